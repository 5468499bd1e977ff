/*
 * BPF side: the network parameters of socket events, as upstream encodes
 * them: a socket tuple read from the kernel socket behind an fd, and a
 * sockaddr read from user memory.
 */
#ifndef DRV_BPF_NET_H
#define DRV_BPF_NET_H

#include "common.h"

#include <bpf/bpf_endian.h>

#define OUTBOUND 0
#define INBOUND 1

/* The socket tuple of `fd` (family, then source and destination). For an
 * outbound socket the source is the local end; for inbound, the remote. */
static __always_inline void push_socktuple(struct evb *b, __s32 fd, int dir, void *usr_addr)
{
	struct socket *sock = file_socket(fd_file(cur_task(), fd));
	struct sock *sk = sock ? BPF_CORE_READ(sock, sk) : NULL;
	if (!sk) {
		push_empty(b);
		return;
	}
	__u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u64 start = b->pos;
	if (fam == AF_INET_K) {
		struct inet_sock *inet = (struct inet_sock *)sk;
		__u32 laddr = BPF_CORE_READ(inet, inet_saddr);
		__u16 lport = BPF_CORE_READ(inet, inet_sport);
		__u32 raddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__u16 rport = BPF_CORE_READ(sk, __sk_common.skc_dport);
		if (rport == 0 && usr_addr) {
			struct sockaddr_in sin = {};
			bpf_probe_read_user(&sin, sizeof(sin), usr_addr);
			raddr = sin.sin_addr.s_addr;
			rport = sin.sin_port;
		}
		raw_u8(b, family_to_scap(fam));
		if (dir == OUTBOUND) {
			raw_u32(b, laddr);
			raw_u16(b, bpf_ntohs(lport));
			raw_u32(b, raddr);
			raw_u16(b, bpf_ntohs(rport));
		} else {
			raw_u32(b, raddr);
			raw_u16(b, bpf_ntohs(rport));
			raw_u32(b, laddr);
			raw_u16(b, bpf_ntohs(lport));
		}
	} else if (fam == AF_INET6_K) {
		struct inet_sock *inet = (struct inet_sock *)sk;
		struct in6_addr l = BPF_CORE_READ(inet, pinet6, saddr);
		struct in6_addr r = BPF_CORE_READ(sk, __sk_common.skc_v6_daddr);
		__u16 lport = BPF_CORE_READ(inet, inet_sport);
		__u16 rport = BPF_CORE_READ(sk, __sk_common.skc_dport);
		if (rport == 0 && usr_addr) {
			struct sockaddr_in6 sin6 = {};
			bpf_probe_read_user(&sin6, sizeof(sin6), usr_addr);
			r = sin6.sin6_addr;
			rport = sin6.sin6_port;
		}
		raw_u8(b, family_to_scap(fam));
		struct in6_addr *first = dir == OUTBOUND ? &l : &r, *second = dir == OUTBOUND ? &r : &l;
		__u16 p1 = dir == OUTBOUND ? lport : rport, p2 = dir == OUTBOUND ? rport : lport;
		for (int i = 0; i < 4; i++)
			raw_u32(b, first->in6_u.u6_addr32[i]);
		raw_u16(b, bpf_ntohs(p1));
		for (int i = 0; i < 4; i++)
			raw_u32(b, second->in6_u.u6_addr32[i]);
		raw_u16(b, bpf_ntohs(p2));
	} else if (fam == AF_UNIX_K) {
		struct unix_sock *us = (struct unix_sock *)sk;
		struct unix_sock *peer = (struct unix_sock *)BPF_CORE_READ(us, peer);
		raw_u8(b, family_to_scap(fam));
		struct unix_address *ua;
		if (dir == OUTBOUND) {
			raw_u64(b, (__u64)peer);
			raw_u64(b, (__u64)us);
			ua = peer ? BPF_CORE_READ(peer, addr) : NULL;
		} else {
			raw_u64(b, (__u64)us);
			raw_u64(b, (__u64)peer);
			ua = BPF_CORE_READ(us, addr);
		}
		/* the address of sun_path inside the unix_address (no read) */
		const char *path = ua ? (const char *)&ua->name[0].sun_path : NULL;
		char c0 = 0;
		if (path)
			bpf_probe_read_kernel(&c0, 1, path);
		if (path && c0 == 0)
			path++; /* abstract address: skip the leading NUL */
		long n = path ? bpf_probe_read_kernel_str(&b->data[b->pos & EVB_MASK], 108, path) : 0;
		if (n <= 0) {
			raw_u8(b, 0);
		} else {
			b->pos += n;
		}
	} else {
		push_empty(b);
		return;
	}
	put_len(b, b->pos - start);
}

/* A user sockaddr as upstream encodes it: family, then address and port in
 * host order (INET, INET6) or the path (UNIX). */
static __always_inline void push_sockaddr(struct evb *b, void *p, __u32 len)
{
	struct {
		__u16 ss_family;
		char pad[126];
	} ss = {};
	__u32 n = len < sizeof(ss) ? len : sizeof(ss);
	barrier_var(n);
	n &= 0xff;
	if (!p || n == 0 || bpf_probe_read_user(&ss, n > sizeof(ss) ? sizeof(ss) : n, p)) {
		push_empty(b);
		return;
	}
	__u64 start = b->pos;
	__u16 fam = ss.ss_family;
	if (fam == AF_INET_K) {
		struct sockaddr_in *sin = (void *)&ss;
		raw_u8(b, family_to_scap(fam));
		raw_u32(b, sin->sin_addr.s_addr);
		raw_u16(b, bpf_ntohs(sin->sin_port));
	} else if (fam == AF_INET6_K) {
		struct sockaddr_in6 *sin6 = (void *)&ss;
		raw_u8(b, family_to_scap(fam));
		for (int i = 0; i < 4; i++)
			raw_u32(b, sin6->sin6_addr.in6_u.u6_addr32[i]);
		raw_u16(b, bpf_ntohs(sin6->sin6_port));
	} else if (fam == AF_UNIX_K) {
		struct sockaddr_un *sun = (void *)&ss;
		raw_u8(b, family_to_scap(fam));
		const char *path = sun->sun_path[0] ? sun->sun_path : sun->sun_path + 1;
		long n = bpf_probe_read_kernel_str(&b->data[b->pos & EVB_MASK], 108, path);
		if (n <= 0)
			raw_u8(b, 0);
		else
			b->pos += n;
	} else {
		push_empty(b);
		return;
	}
	put_len(b, b->pos - start);
}

#endif
