/*
 * The converter: brings the events of old captures to the current schema.
 *
 * Old captures hold enter/exit pairs and older layouts of many events. The
 * current schema keeps one exit event per syscall carrying the enter
 * arguments too, so on read each event goes through this file:
 *
 *   - unused codes are dropped, current events pass untouched;
 *   - an enter event is stored per thread (the last one only) or passed;
 *   - an old exit event is rebuilt from its own parameters, the stored
 *     enter event of its thread, empty parameters and default values,
 *     then checked again, until it is current.
 *
 * What to do is data, not code: one rule per (code, parameter count) in the
 * table below. Storage is a fixed set-associative cache of enter events,
 * so memory stays bounded whatever the capture; evictions are counted.
 * The facts (which parameters go where) follow upstream libscap's savefile
 * converter, so that we deliver the same events upstream does.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"

enum cv_action {
	CV_STORE = 1,   /* keep as the thread's enter event; deliver nothing */
	CV_PASS,        /* deliver as is */
	CV_STORE_PASS,  /* keep as the thread's enter event and deliver it */
	CV_APPEND,      /* keep every parameter, append one per recipe token */
	CV_REBUILD,     /* new code `to`, one parameter per recipe token */
};

/*
 * A rule. The recipe has one token per parameter it produces:
 *   oN   parameter N of the event being converted
 *   eN   parameter N of the thread's stored enter event; the type's default
 *        value when there is none
 *   eN?  the same, but an empty parameter when there is none
 *   z    an empty (zero-length) parameter
 *   d    the default value of the parameter's type (zeros; -1 for uid/gid)
 *   J    the JSON description built from an old `container` event
 */
struct cv_rule {
	uint16_t code;
	uint8_t nparams;
	uint8_t action;
	uint16_t to;
	const char *recipe;
};

/* Rules sorted by (code, nparams). The comment names the parameters the
 * recipe fills. */
static const struct cv_rule cv_rules[] = {
	{0, 2, CV_STORE, 0, ""},                                    /* syscall E */
	{1, 1, CV_APPEND, 0, "e1?"},                                /* syscall X: + nativeID */
	{2, 0, CV_APPEND, 0, "z z z"},                              /* open E: + name flags mode */
	{2, 3, CV_PASS, 0, ""},                                     /* open E */
	{3, 4, CV_APPEND, 0, "z"},                                  /* open X: + dev */
	{3, 5, CV_APPEND, 0, "z"},                                  /* open X: + ino */
	{4, 1, CV_STORE, 0, ""},                                    /* close E */
	{5, 1, CV_APPEND, 0, "e0"},                                 /* close X: + fd */
	{6, 2, CV_STORE, 0, ""},                                    /* read E */
	{7, 2, CV_APPEND, 0, "e0 e1"},                              /* read X: + fd size */
	{8, 2, CV_STORE, 0, ""},                                    /* write E */
	{9, 2, CV_APPEND, 0, "e0 e1"},                              /* write X: + fd size */
	{10, 1, CV_STORE, 0, ""},                                   /* brk E */
	{11, 1, CV_REBUILD, 159, "o0 e0? z z z"},                   /* brk X -> brk(159): res vm_size vm_rss vm_swap addr */
	{12, 0, CV_REBUILD, 154, ""},                               /* execve E -> execve(154) */
	{13, 8, CV_REBUILD, 155, "o0 o1 o2 o3 o4 o5 o6 o7 z z z z z"}, /* execve X -> execve(155): res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap */
	{15, 11, CV_REBUILD, 157, "o0 o1 o2 o3 o4 o5 o6 o7 z z z z z o8 o9 o10"}, /* clone X -> clone(157): res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap flags uid gid */
	{16, 0, CV_REBUILD, 186, "z z z z z"},                      /* procexit E -> procexit(186): status ret sig core reaper_tid */
	{18, 3, CV_STORE, 0, ""},                                   /* socket E */
	{19, 1, CV_APPEND, 0, "e0 e1 e2"},                          /* socket X: + domain type proto */
	{19, 4, CV_APPEND, 0, "d"},                                 /* socket X: + flags */
	{20, 1, CV_STORE, 0, ""},                                   /* bind E */
	{21, 2, CV_APPEND, 0, "e0"},                                /* bind X: + fd */
	{22, 1, CV_APPEND, 0, "d"},                                 /* connect E: + addr */
	{22, 2, CV_STORE_PASS, 0, ""},                              /* connect E */
	{23, 2, CV_APPEND, 0, "e0"},                                /* connect X: + fd */
	{23, 3, CV_APPEND, 0, "e1"},                                /* connect X: + addr */
	{24, 2, CV_STORE, 0, ""},                                   /* listen E */
	{25, 1, CV_APPEND, 0, "e0 e1"},                             /* listen X: + fd backlog */
	{27, 3, CV_REBUILD, 247, "o0 o1 o2 d d"},                   /* accept X -> accept(247): fd tuple queuepct queuelen queuemax */
	{28, 2, CV_STORE, 0, ""},                                   /* send E */
	{29, 2, CV_APPEND, 0, "e0 e1 d"},                           /* send X: + fd size tuple */
	{30, 3, CV_STORE, 0, ""},                                   /* sendto E */
	{31, 2, CV_APPEND, 0, "e0 e1 e2"},                          /* sendto X: + fd size tuple */
	{32, 2, CV_STORE, 0, ""},                                   /* recv E */
	{33, 2, CV_APPEND, 0, "e0 e1 d"},                           /* recv X: + fd size tuple */
	{34, 2, CV_STORE, 0, ""},                                   /* recvfrom E */
	{35, 3, CV_APPEND, 0, "e0 e1"},                             /* recvfrom X: + fd size */
	{36, 2, CV_STORE, 0, ""},                                   /* shutdown E */
	{37, 1, CV_APPEND, 0, "e0 e1"},                             /* shutdown X: + fd how */
	{42, 3, CV_STORE, 0, ""},                                   /* socketpair E */
	{43, 5, CV_APPEND, 0, "e0 e1 e2"},                          /* socketpair X: + domain type proto */
	{48, 3, CV_STORE, 0, ""},                                   /* sendmsg E */
	{49, 2, CV_APPEND, 0, "e0 e1 e2"},                          /* sendmsg X: + fd size tuple */
	{51, 0, CV_APPEND, 0, "d z z z z"},                         /* sendmmsg X: + res fd size data tuple */
	{52, 1, CV_STORE, 0, ""},                                   /* recvmsg E */
	{53, 4, CV_APPEND, 0, "d"},                                 /* recvmsg X: + msgcontrol */
	{53, 5, CV_APPEND, 0, "e0"},                                /* recvmsg X: + fd */
	{55, 0, CV_APPEND, 0, "d z z z z z"},                       /* recvmmsg X: + res fd size data tuple msgcontrol */
	{56, 1, CV_STORE, 0, ""},                                   /* accept E */
	{57, 3, CV_REBUILD, 389, "o0 o1 o2 d d e0"},                /* accept X -> accept4(389): fd tuple queuepct queuelen queuemax flags */
	{58, 0, CV_APPEND, 0, "z z"},                               /* creat E: + name mode */
	{58, 2, CV_PASS, 0, ""},                                    /* creat E */
	{59, 3, CV_APPEND, 0, "z"},                                 /* creat X: + dev */
	{59, 4, CV_APPEND, 0, "z"},                                 /* creat X: + ino */
	{59, 5, CV_APPEND, 0, "z"},                                 /* creat X: + creat_flags */
	{62, 2, CV_STORE, 0, ""},                                   /* eventfd E */
	{63, 1, CV_APPEND, 0, "e0 e1"},                             /* eventfd X: + initval flags */
	{64, 3, CV_STORE, 0, ""},                                   /* futex E */
	{65, 1, CV_APPEND, 0, "e0 e1 e2"},                          /* futex X: + addr op val */
	{70, 1, CV_STORE, 0, ""},                                   /* fstat E */
	{71, 1, CV_APPEND, 0, "e0"},                                /* fstat X: + fd */
	{78, 1, CV_STORE, 0, ""},                                   /* epoll_wait E */
	{79, 1, CV_APPEND, 0, "e0"},                                /* epoll_wait X: + maxevents */
	{80, 2, CV_STORE, 0, ""},                                   /* poll E */
	{81, 2, CV_APPEND, 0, "e1"},                                /* poll X: + timeout */
	{85, 1, CV_REBUILD, 83, "o0"},                              /* select X -> select(83): res */
	{86, 3, CV_STORE, 0, ""},                                   /* lseek E */
	{87, 1, CV_APPEND, 0, "e0 e1 e2"},                          /* lseek X: + fd offset whence */
	{88, 3, CV_STORE, 0, ""},                                   /* llseek E */
	{89, 1, CV_APPEND, 0, "e0 e1 e2"},                          /* llseek X: + fd offset whence */
	{90, 2, CV_STORE, 0, ""},                                   /* ioctl E */
	{91, 1, CV_REBUILD, 171, "o0 e0? e1? z"},                   /* ioctl X -> ioctl(171): res fd request argument */
	{96, 1, CV_STORE, 0, ""},                                   /* fchdir E */
	{97, 1, CV_APPEND, 0, "e0?"},                               /* fchdir X: + fd */
	{98, 2, CV_STORE, 0, ""},                                   /* mkdir E */
	{99, 1, CV_REBUILD, 277, "o0 e0? e1?"},                     /* mkdir X -> mkdir(277): res path mode */
	{100, 1, CV_STORE, 0, ""},                                  /* rmdir E */
	{101, 1, CV_REBUILD, 279, "o0 e0?"},                        /* rmdir X -> rmdir(279): res path */
	{102, 4, CV_STORE, 0, ""},                                  /* openat E */
	{103, 1, CV_REBUILD, 307, "o0 e0? e1? e2? e3? z z"},        /* openat X -> openat(307): fd dirfd name flags mode dev ino */
	{104, 2, CV_STORE, 0, ""},                                  /* link E */
	{105, 1, CV_REBUILD, 309, "o0 e0? e1?"},                    /* link X -> link(309): res oldpath newpath */
	{106, 4, CV_STORE, 0, ""},                                  /* linkat E */
	{107, 1, CV_REBUILD, 311, "o0 e0? e1? e2? e3? z"},          /* linkat X -> linkat(311): res olddir oldpath newdir newpath flags */
	{108, 1, CV_STORE, 0, ""},                                  /* unlink E */
	{109, 1, CV_REBUILD, 301, "o0 e0?"},                        /* unlink X -> unlink(301): res path */
	{110, 2, CV_STORE, 0, ""},                                  /* unlinkat E */
	{111, 1, CV_REBUILD, 303, "o0 e0? e1? z"},                  /* unlinkat X -> unlinkat(303): res dirfd name flags */
	{112, 3, CV_STORE, 0, ""},                                  /* pread E */
	{113, 2, CV_APPEND, 0, "e0 e1 e2"},                         /* pread X: + fd size pos */
	{114, 3, CV_STORE, 0, ""},                                  /* pwrite E */
	{115, 2, CV_APPEND, 0, "e0 e1 e2"},                         /* pwrite X: + fd size pos */
	{116, 1, CV_STORE, 0, ""},                                  /* readv E */
	{117, 3, CV_APPEND, 0, "e0"},                               /* readv X: + fd */
	{118, 2, CV_STORE, 0, ""},                                  /* writev E */
	{119, 2, CV_APPEND, 0, "e0 e1"},                            /* writev X: + fd size */
	{120, 2, CV_STORE, 0, ""},                                  /* preadv E */
	{121, 3, CV_APPEND, 0, "e0 e1"},                            /* preadv X: + fd pos */
	{122, 3, CV_STORE, 0, ""},                                  /* pwritev E */
	{123, 2, CV_APPEND, 0, "e0 e1 e2"},                         /* pwritev X: + fd size pos */
	{124, 1, CV_STORE, 0, ""},                                  /* dup E */
	{125, 1, CV_REBUILD, 367, "o0 e0?"},                        /* dup X -> dup(367): res oldfd */
	{126, 3, CV_STORE, 0, ""},                                  /* signalfd E */
	{127, 1, CV_APPEND, 0, "e0 e1 e2"},                         /* signalfd X: + fd mask flags */
	{128, 2, CV_STORE, 0, ""},                                  /* kill E */
	{129, 1, CV_APPEND, 0, "e0 e1"},                            /* kill X: + pid sig */
	{130, 2, CV_STORE, 0, ""},                                  /* tkill E */
	{131, 1, CV_APPEND, 0, "e0 e1"},                            /* tkill X: + tid sig */
	{132, 3, CV_STORE, 0, ""},                                  /* tgkill E */
	{133, 1, CV_APPEND, 0, "e0 e1 e2"},                         /* tgkill X: + pid tid sig */
	{134, 1, CV_STORE, 0, ""},                                  /* nanosleep E */
	{135, 1, CV_APPEND, 0, "e0"},                               /* nanosleep X: + interval */
	{136, 2, CV_STORE, 0, ""},                                  /* timerfd_create E */
	{137, 1, CV_APPEND, 0, "e0 e1"},                            /* timerfd_create X: + clockid flags */
	{138, 1, CV_STORE, 0, ""},                                  /* inotify_init E */
	{139, 1, CV_APPEND, 0, "e0"},                               /* inotify_init X: + flags */
	{140, 1, CV_STORE, 0, ""},                                  /* getrlimit E */
	{141, 3, CV_APPEND, 0, "e0"},                               /* getrlimit X: + resource */
	{142, 1, CV_STORE, 0, ""},                                  /* setrlimit E */
	{143, 3, CV_APPEND, 0, "e0"},                               /* setrlimit X: + resource */
	{144, 2, CV_STORE, 0, ""},                                  /* prlimit E */
	{145, 5, CV_APPEND, 0, "e0? e1?"},                          /* prlimit X: + pid resource */
	{146, 1, CV_REBUILD, 152, "o0 z z z z z"},                  /* switch E -> switch(152): next pgft_maj pgft_min vm_size vm_rss vm_swap */
	{150, 2, CV_STORE, 0, ""},                                  /* fcntl E */
	{151, 1, CV_APPEND, 0, "e0 e1"},                            /* fcntl X: + fd cmd */
	{151, 3, CV_APPEND, 0, "d"},                                /* fcntl X: + arg */
	{154, 0, CV_REBUILD, 172, ""},                              /* execve E -> execve(172) */
	{155, 13, CV_REBUILD, 173, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 z"}, /* execve X -> execve(173): res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap env */
	{157, 16, CV_REBUILD, 217, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 z o13 o14 o15"}, /* clone X -> clone(217): res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm flags uid gid */
	{158, 1, CV_STORE, 0, ""},                                  /* brk E */
	{159, 4, CV_APPEND, 0, "e0?"},                              /* brk X: + addr */
	{160, 6, CV_STORE, 0, ""},                                  /* mmap E */
	{161, 4, CV_APPEND, 0, "e0 e1 e2 e3 e4 e5"},                /* mmap X: + addr length prot flags fd offset */
	{162, 6, CV_STORE, 0, ""},                                  /* mmap2 E */
	{163, 4, CV_APPEND, 0, "e0 e1 e2 e3 e4 e5"},                /* mmap2 X: + addr length prot flags fd pgoffset */
	{164, 2, CV_STORE, 0, ""},                                  /* munmap E */
	{165, 4, CV_APPEND, 0, "e0 e1"},                            /* munmap X: + addr length */
	{166, 4, CV_STORE, 0, ""},                                  /* splice E */
	{167, 1, CV_APPEND, 0, "e0 e1 e2 e3"},                      /* splice X: + fd_in fd_out size flags */
	{168, 2, CV_STORE, 0, ""},                                  /* ptrace E */
	{169, 0, CV_APPEND, 0, "z z z"},                            /* ptrace X: + res addr data */
	{169, 3, CV_APPEND, 0, "e0? e1?"},                          /* ptrace X: + request pid */
	{170, 3, CV_STORE, 0, ""},                                  /* ioctl E */
	{171, 1, CV_APPEND, 0, "e0 e1 e2"},                         /* ioctl X: + fd request argument */
	{172, 0, CV_REBUILD, 214, ""},                              /* execve E -> execve(214) */
	{173, 14, CV_REBUILD, 215, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 z o13"}, /* execve X -> execve(215): res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm env */
	{183, 16, CV_REBUILD, 219, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 z o13 o14 o15"}, /* fork X -> fork(219): res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm flags uid gid */
	{185, 16, CV_REBUILD, 221, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 z o13 o14 o15"}, /* vfork X -> vfork(221): res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm flags uid gid */
	{188, 4, CV_STORE, 0, ""},                                  /* sendfile E */
	{189, 2, CV_APPEND, 0, "e0 e1 e3"},                         /* sendfile X: + out_fd in_fd size */
	{190, 4, CV_STORE, 0, ""},                                  /* quotactl E */
	{191, 14, CV_APPEND, 0, "e0 e1 e2 e3"},                     /* quotactl X: + cmd type id quota_fmt */
	{192, 3, CV_STORE, 0, ""},                                  /* setresuid E */
	{193, 1, CV_APPEND, 0, "e0? e1? e2?"},                      /* setresuid X: + ruid euid suid */
	{194, 3, CV_STORE, 0, ""},                                  /* setresgid E */
	{195, 1, CV_APPEND, 0, "e0? e1? e2?"},                      /* setresgid X: + rgid egid sgid */
	{198, 1, CV_STORE, 0, ""},                                  /* setuid E */
	{199, 1, CV_APPEND, 0, "e0?"},                              /* setuid X: + uid */
	{200, 1, CV_STORE, 0, ""},                                  /* setgid E */
	{201, 1, CV_APPEND, 0, "e0?"},                              /* setgid X: + gid */
	{214, 0, CV_REBUILD, 230, ""},                              /* execve E -> execve(230) */
	{215, 15, CV_REBUILD, 231, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 o13 z o14"}, /* execve X -> execve(231): res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm cgroups env */
	{217, 17, CV_REBUILD, 223, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 o13 z o14 o15 o16 z z"}, /* clone X -> clone(223): res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm cgroups flags uid gid vtid vpid */
	{219, 17, CV_REBUILD, 225, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 o13 z o14 o15 o16 z z"}, /* fork X -> fork(225): res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm cgroups flags uid gid vtid vpid */
	{221, 17, CV_REBUILD, 227, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 o13 z o14 o15 o16 z z"}, /* vfork X -> vfork(227): res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm cgroups flags uid gid vtid vpid */
	{223, 20, CV_APPEND, 0, "z"},                               /* clone X: + pidns_init_start_ts */
	{225, 20, CV_APPEND, 0, "z"},                               /* fork X: + pidns_init_start_ts */
	{227, 20, CV_APPEND, 0, "z"},                               /* vfork X: + pidns_init_start_ts */
	{228, 4, CV_REBUILD, 272, "J"},                             /* container E -> container(272): json */
	{230, 0, CV_REBUILD, 282, ""},                              /* execve E -> execve(282) */
	{231, 16, CV_REBUILD, 283, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 o13 o14 o15 z"}, /* execve X -> execve(283): res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm cgroups env tty */
	{236, 1, CV_STORE, 0, ""},                                  /* getdents E */
	{237, 1, CV_APPEND, 0, "e0"},                               /* getdents X: + fd */
	{238, 1, CV_STORE, 0, ""},                                  /* getdents64 E */
	{239, 1, CV_APPEND, 0, "e0"},                               /* getdents64 X: + fd */
	{240, 2, CV_STORE, 0, ""},                                  /* setns E */
	{241, 1, CV_APPEND, 0, "e0? e1?"},                          /* setns X: + fd nstype */
	{242, 2, CV_STORE, 0, ""},                                  /* flock E */
	{243, 1, CV_APPEND, 0, "e0 e1"},                            /* flock X: + fd operation */
	{248, 1, CV_STORE, 0, ""},                                  /* accept E */
	{249, 5, CV_REBUILD, 389, "o0 o1 o2 o3 o4 e0"},             /* accept X -> accept4(389): fd tuple queuepct queuelen queuemax flags */
	{250, 1, CV_STORE, 0, ""},                                  /* semop E */
	{251, 8, CV_APPEND, 0, "e0"},                               /* semop X: + semid */
	{252, 4, CV_STORE, 0, ""},                                  /* semctl E */
	{253, 1, CV_APPEND, 0, "e0 e1 e2 e3"},                      /* semctl X: + semid semnum cmd val */
	{254, 3, CV_STORE, 0, ""},                                  /* ppoll E */
	{255, 2, CV_APPEND, 0, "e1 e2"},                            /* ppoll X: + timeout sigmask */
	{256, 1, CV_STORE, 0, ""},                                  /* mount E */
	{257, 4, CV_APPEND, 0, "e0"},                               /* mount X: + flags */
	{259, 2, CV_REBUILD, 387, "o0 o1"},                         /* umount X -> umount(387): res name */
	{262, 3, CV_STORE, 0, ""},                                  /* semget E */
	{263, 1, CV_APPEND, 0, "e0 e1 e2"},                         /* semget X: + key nsems semflg */
	{264, 1, CV_STORE, 0, ""},                                  /* access E */
	{265, 2, CV_APPEND, 0, "e0"},                               /* access X: + mode */
	{272, 1, CV_REBUILD, 324, "o0"},                            /* container E -> container(324): json */
	{276, 1, CV_STORE, 0, ""},                                  /* mkdir E */
	{277, 2, CV_APPEND, 0, "e0?"},                              /* mkdir X: + mode */
	{282, 0, CV_REBUILD, 288, "z"},                             /* execve E -> execve(288): filename */
	{283, 17, CV_REBUILD, 289, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 o13 o14 o15 o16"}, /* execve X -> execve(289): res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm cgroups env tty */
	{284, 1, CV_STORE, 0, ""},                                  /* unshare E */
	{285, 1, CV_APPEND, 0, "e0"},                               /* unshare X: + flags */
	{288, 1, CV_REBUILD, 292, "o0"},                            /* execve E -> execve(292): filename */
	{289, 17, CV_REBUILD, 293, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 o13 o14 o15 o16 z"}, /* execve X -> execve(293): res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm cgroups env tty vpgid */
	{292, 1, CV_STORE_PASS, 0, ""},                             /* execve E */
	{293, 18, CV_APPEND, 0, "z"},                               /* execve X: + loginuid */
	{293, 19, CV_APPEND, 0, "z"},                               /* execve X: + flags */
	{293, 20, CV_APPEND, 0, "z z z"},                           /* execve X: + cap_inheritable cap_permitted cap_effective */
	{293, 23, CV_APPEND, 0, "z z z"},                           /* execve X: + exe_ino exe_ino_ctime exe_ino_mtime */
	{293, 26, CV_APPEND, 0, "z"},                               /* execve X: + uid */
	{293, 27, CV_APPEND, 0, "z"},                               /* execve X: + trusted_exepath */
	{293, 28, CV_APPEND, 0, "z"},                               /* execve X: + pgid */
	{293, 29, CV_APPEND, 0, "z"},                               /* execve X: + gid */
	{293, 30, CV_APPEND, 0, "e0?"},                             /* execve X: + filename */
	{294, 2, CV_STORE, 0, ""},                                  /* setpgid E */
	{295, 1, CV_APPEND, 0, "e0? e1?"},                          /* setpgid X: + pid pgid */
	{296, 1, CV_STORE, 0, ""},                                  /* bpf E */
	{297, 1, CV_REBUILD, 369, "o0 e0?"},                        /* bpf X -> bpf(369): fd cmd */
	{298, 1, CV_APPEND, 0, "d"},                                /* seccomp E: + flags */
	{298, 2, CV_STORE, 0, ""},                                  /* seccomp E */
	{299, 1, CV_APPEND, 0, "e0 e1"},                            /* seccomp X: + op flags */
	{306, 0, CV_APPEND, 0, "z z z z"},                          /* openat E: + dirfd name flags mode */
	{306, 4, CV_PASS, 0, ""},                                   /* openat E */
	{307, 5, CV_APPEND, 0, "z"},                                /* openat X: + dev */
	{307, 6, CV_APPEND, 0, "z"},                                /* openat X: + ino */
	{326, 0, CV_APPEND, 0, "z z z z z"},                        /* openat2 E: + dirfd name flags mode resolve */
	{326, 5, CV_PASS, 0, ""},                                   /* openat2 E */
	{327, 6, CV_APPEND, 0, "z z"},                              /* openat2 X: + dev ino */
	{328, 3, CV_STORE, 0, ""},                                  /* mprotect E */
	{329, 1, CV_APPEND, 0, "e0 e1 e2"},                         /* mprotect X: + addr length prot */
	{330, 3, CV_PASS, 0, ""},                                   /* execveat E */
	{331, 19, CV_APPEND, 0, "z"},                               /* execveat X: + flags */
	{331, 20, CV_APPEND, 0, "z z z"},                           /* execveat X: + cap_inheritable cap_permitted cap_effective */
	{331, 23, CV_APPEND, 0, "z z z"},                           /* execveat X: + exe_ino exe_ino_ctime exe_ino_mtime */
	{331, 26, CV_APPEND, 0, "z"},                               /* execveat X: + uid */
	{331, 27, CV_APPEND, 0, "z"},                               /* execveat X: + trusted_exepath */
	{331, 28, CV_APPEND, 0, "z"},                               /* execveat X: + pgid */
	{331, 29, CV_APPEND, 0, "z"},                               /* execveat X: + gid */
	{332, 3, CV_STORE, 0, ""},                                  /* copy_file_range E */
	{333, 3, CV_APPEND, 0, "e0 e1 e2"},                         /* copy_file_range X: + fdin offin len */
	{335, 20, CV_APPEND, 0, "z"},                               /* clone3 X: + pidns_init_start_ts */
	{374, 1, CV_STORE, 0, ""},                                  /* epoll_create E */
	{375, 1, CV_APPEND, 0, "e0"},                               /* epoll_create X: + size */
	{376, 1, CV_STORE, 0, ""},                                  /* epoll_create1 E */
	{377, 1, CV_APPEND, 0, "e0"},                               /* epoll_create1 X: + flags */
	{388, 1, CV_STORE, 0, ""},                                  /* accept4 E */
	{389, 5, CV_APPEND, 0, "e0"},                               /* accept4 X: + flags */
	{390, 1, CV_STORE, 0, ""},                                  /* umount2 E */
	{391, 2, CV_APPEND, 0, "e0"},                               /* umount2 X: + flags */
	{396, 1, CV_STORE, 0, ""},                                  /* eventfd2 E */
	{397, 2, CV_APPEND, 0, "e0"},                               /* eventfd2 X: + initval */
	{398, 2, CV_STORE, 0, ""},                                  /* signalfd4 E */
	{399, 2, CV_APPEND, 0, "e0 e1"},                            /* signalfd4 X: + fd mask */
};

#define CV_NRULES (sizeof(cv_rules) / sizeof(cv_rules[0]))
#define CV_MAX_STEPS 50 /* conversions of one event before we call it a loop */
#define CV_WAYS 4u

enum cv_src { S_OLD, S_ENTER, S_EMPTY, S_DEFAULT, S_JSON };

struct cv_tok {
	uint8_t src;            /* enum cv_src */
	uint8_t idx;            /* S_OLD, S_ENTER: parameter index */
	uint8_t empty_fallback; /* S_ENTER: empty instead of default when missing */
};

/* A rule with its recipe parsed once, at ev_conv_new. */
struct cv_compiled {
	const struct cv_rule *rule;
	uint8_t ntok;
	struct cv_tok tok[EV_MAX_PARAMS];
};

/* One stored enter event. len == 0 means free. */
struct cv_slot {
	uint64_t tid;
	uint64_t stamp; /* store order, for eviction */
	uint32_t len;
	uint32_t cap;
	uint8_t *buf; /* owned; grows to the largest event stored here */
};

struct ev_conv {
	struct cv_compiled rules[CV_NRULES];
	uint16_t first[EV_CODE_MAX + 1]; /* rules of code c: [first[c], first[c+1]) */
	struct cv_slot *slots;           /* owned; nsets * CV_WAYS */
	uint32_t nsets;                  /* a power of two */
	uint64_t clock;
	uint8_t *out[2];                 /* owned; alternate between chained rewrites */
	size_t outcap[2];
	char *json;                      /* owned; scratch for the S_JSON token */
	struct ev_conv_stats st;
	char err[256];
};

#define CV_JSON_CAP 65536u

static int cv_fail(struct ev_conv *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int cv_fail(struct ev_conv *c, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- the table ---- */

/* Parses one recipe; returns the token count or -1 on a malformed recipe
 * (a bug in the table, caught by the unit tests). */
static int cv_parse_recipe(const char *r, struct cv_tok *tok)
{
	int n = 0;
	while (*r) {
		if (*r == ' ') {
			r++;
			continue;
		}
		if (n == (int)EV_MAX_PARAMS)
			return -1;
		struct cv_tok t = {0};
		char kind = *r++;
		switch (kind) {
		case 'o':
		case 'e': {
			char *end;
			unsigned long idx = strtoul(r, &end, 10);
			if (end == r || idx >= EV_MAX_PARAMS)
				return -1;
			r = end;
			t.src = kind == 'o' ? S_OLD : S_ENTER;
			t.idx = (uint8_t)idx;
			if (kind == 'e' && *r == '?') {
				t.empty_fallback = 1;
				r++;
			}
			break;
		}
		case 'z': t.src = S_EMPTY; break;
		case 'd': t.src = S_DEFAULT; break;
		case 'J': t.src = S_JSON; break;
		default: return -1;
		}
		if (*r != ' ' && *r != '\0')
			return -1;
		tok[n++] = t;
	}
	return n;
}

static const struct cv_rule *cv_find_rule(uint16_t code, uint32_t nparams)
{
	/* The table is sorted: a binary search keeps this free of setup. */
	size_t lo = 0, hi = CV_NRULES;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct cv_rule *r = &cv_rules[mid];
		if (r->code < code || (r->code == code && r->nparams < nparams))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < CV_NRULES && cv_rules[lo].code == code && cv_rules[lo].nparams == nparams)
		return &cv_rules[lo];
	return NULL;
}

bool ev_conv_has_rule(uint16_t code, uint32_t nparams)
{
	return cv_find_rule(code, nparams) != NULL;
}

static const struct cv_compiled *cv_lookup(const struct ev_conv *c, uint16_t code, uint32_t nparams)
{
	if (code >= EV_CODE_MAX)
		return NULL;
	for (uint32_t i = c->first[code]; i < c->first[code + 1]; i++)
		if (c->rules[i].rule->nparams == nparams)
			return &c->rules[i];
	return NULL;
}

/* ---- enter event storage ---- */

static struct cv_slot *cv_set(struct ev_conv *c, uint64_t tid)
{
	uint64_t h = tid * 0x9E3779B97F4A7C15ull; /* spread consecutive tids */
	return &c->slots[((h >> 32) & (c->nsets - 1)) * CV_WAYS];
}

static struct cv_slot *cv_find(struct ev_conv *c, uint64_t tid)
{
	struct cv_slot *s = cv_set(c, tid);
	for (unsigned w = 0; w < CV_WAYS; w++)
		if (s[w].len != 0 && s[w].tid == tid)
			return &s[w];
	return NULL;
}

static int cv_store(struct ev_conv *c, const struct ev_hdr *h)
{
	struct cv_slot *set = cv_set(c, h->tid), *dst = cv_find(c, h->tid);
	if (dst == NULL) {
		for (unsigned w = 0; w < CV_WAYS && dst == NULL; w++)
			if (set[w].len == 0)
				dst = &set[w];
	}
	if (dst == NULL) {
		dst = &set[0];
		for (unsigned w = 1; w < CV_WAYS; w++)
			if (set[w].stamp < dst->stamp)
				dst = &set[w];
		c->st.evicted++;
	}
	if (dst->cap < h->len) {
		uint8_t *nb = realloc(dst->buf, h->len);
		if (nb == NULL)
			return cv_fail(c, -ENOMEM, "out of memory storing an enter event of %u bytes", h->len);
		dst->buf = nb;
		dst->cap = h->len;
	}
	memcpy(dst->buf, h, h->len);
	dst->tid = h->tid;
	dst->len = h->len;
	dst->stamp = ++c->clock;
	c->st.stored++;
	return 0;
}

/* ---- parameter values ---- */

/* Fixed size of a parameter type, 0 for variable-size types. */
static uint32_t cv_fixed_len(uint8_t type)
{
	switch (type) {
	case EV_PT_INT8: case EV_PT_UINT8: case EV_PT_FLAGS8: case EV_PT_ENUMFLAGS8: case EV_PT_SIGTYPE:
	case EV_PT_L4PROTO: case EV_PT_SOCKFAMILY:
		return 1;
	case EV_PT_INT16: case EV_PT_UINT16: case EV_PT_FLAGS16: case EV_PT_ENUMFLAGS16:
	case EV_PT_SYSCALLID: case EV_PT_PORT:
		return 2;
	case EV_PT_INT32: case EV_PT_UINT32: case EV_PT_FLAGS32: case EV_PT_ENUMFLAGS32: case EV_PT_UID:
	case EV_PT_GID: case EV_PT_MODE: case EV_PT_SIGSET: case EV_PT_FD32: case EV_PT_PID32:
	case EV_PT_IPV4ADDR: case EV_PT_BOOL:
		return 4;
	case EV_PT_INT64: case EV_PT_UINT64: case EV_PT_RELTIME: case EV_PT_ABSTIME: case EV_PT_ERRNO:
	case EV_PT_FD: case EV_PT_PID: case EV_PT_DOUBLE:
		return 8;
	case EV_PT_IPV6ADDR:
		return 16;
	default:
		return 0;
	}
}

static const uint8_t cv_zeros[16];
static const uint8_t cv_ones[4] = {0xff, 0xff, 0xff, 0xff};

/* The default value of a type: zeros of its fixed size; "none" (all ones)
 * for uid and gid; nothing for variable-size types. */
static void cv_default(uint8_t type, const void **val, uint32_t *len)
{
	*len = cv_fixed_len(type);
	*val = (type == EV_PT_UID || type == EV_PT_GID) ? cv_ones : cv_zeros;
}

/* {"id":"<id>","type":<type>,"name":"<name>","image":"<image>"} from an
 * old container event (id, type, name, image). Returns the length with the
 * NUL, 0 when the event does not have those parameters, -1 when too long. */
static int64_t cv_container_json(char *dst, const struct ev_view *v)
{
	if (v->nparams < 4 || v->len[1] != 4)
		return 0;
	for (int i = 0; i < 4; i += (i == 0 ? 2 : 1))
		if (v->len[i] == 0)
			return 0;
	uint32_t type;
	memcpy(&type, v->val[1], 4);
	int n = snprintf(dst, CV_JSON_CAP, "{\"id\":\"%.*s\",\"type\":%u,\"name\":\"%.*s\",\"image\":\"%.*s\"}",
	                 (int)v->len[0] - 1, (const char *)v->val[0], type, (int)v->len[2] - 1,
	                 (const char *)v->val[2], (int)v->len[3] - 1, (const char *)v->val[3]);
	if (n < 0 || (uint64_t)n + 1 > UINT16_MAX)
		return -1;
	return n + 1;
}

/* ---- one rewrite ---- */

static int cv_reserve(struct ev_conv *c, int which, size_t need)
{
	if (c->outcap[which] >= need)
		return 0;
	size_t cap = c->outcap[which] ? c->outcap[which] : 4096;
	while (cap < need)
		cap *= 2;
	uint8_t *nb = realloc(c->out[which], cap);
	if (nb == NULL)
		return cv_fail(c, -ENOMEM, "out of memory converting an event of %zu bytes", need);
	c->out[which] = nb;
	c->outcap[which] = cap;
	return 0;
}

/* Fills the parameter at `pos` of the new event from token `t`. */
static int cv_fill(struct ev_conv *c, const struct cv_tok *t, const struct ev_view *old,
                   const struct ev_param_info *pi, uint32_t maxlen, const void **val, uint32_t *len,
                   bool *used_enter)
{
	const struct ev_hdr *h = old->hdr;
	*val = NULL;
	*len = 0;
	switch (t->src) {
	case S_EMPTY:
		return 0;
	case S_DEFAULT:
		cv_default(pi->type, val, len);
		return 0;
	case S_OLD:
		if (t->idx >= old->nparams)
			return cv_fail(c, -EPROTO, "event code %u has %u parameters, its rule reads parameter %u",
			               h->type, old->nparams, t->idx);
		*val = old->val[t->idx];
		*len = old->len[t->idx] < maxlen ? old->len[t->idx] : maxlen;
		return 0;
	case S_JSON: {
		int64_t n = cv_container_json(c->json, old);
		if (n < 0)
			return cv_fail(c, -EPROTO, "container event (tid %llu) too large to convert",
			               (unsigned long long)h->tid);
		*val = c->json;
		*len = (uint32_t)n;
		return 0;
	}
	case S_ENTER: {
		struct cv_slot *s = cv_find(c, h->tid);
		if (s == NULL) {
			c->st.no_enter++;
			if (!t->empty_fallback)
				cv_default(pi->type, val, len);
			return 0;
		}
		struct ev_view ev;
		if (ev_decode(s->buf, s->len, &ev) != 0)
			return cv_fail(c, -EINVAL, "stored enter event of tid %llu is malformed",
			               (unsigned long long)h->tid);
		if (ev.hdr->type + 1 != h->type)
			return cv_fail(c, -EPROTO,
			               "exit event code %u (tid %llu, ts %llu) follows enter event code %u of its thread",
			               h->type, (unsigned long long)h->tid, (unsigned long long)h->ts, ev.hdr->type);
		if (t->idx >= ev.nparams)
			return cv_fail(c, -EPROTO, "enter event code %u has %u parameters, its rule reads parameter %u",
			               ev.hdr->type, ev.nparams, t->idx);
		*val = ev.val[t->idx];
		*len = ev.len[t->idx] < maxlen ? ev.len[t->idx] : maxlen;
		*used_enter = true;
		return 0;
	}
	}
	return cv_fail(c, -EPROTO, "bad recipe token");
}

/* Writes the rewritten event into c->out[which]. */
static int cv_rewrite(struct ev_conv *c, const struct cv_compiled *cr, const struct ev_view *old, int which)
{
	const struct ev_hdr *h = old->hdr;
	uint16_t type = cr->rule->action == CV_REBUILD ? cr->rule->to : h->type;
	const struct ev_info *info = ev_info(type);
	uint32_t keep = cr->rule->action == CV_APPEND ? old->nparams : 0;
	uint32_t n = keep + cr->ntok;
	const void *vals[EV_MAX_PARAMS];
	uint32_t lens[EV_MAX_PARAMS];
	bool used_enter = false;
	uint32_t varmax = ev_is_large(type) ? UINT32_MAX : UINT16_MAX;
	size_t total = EV_HDR_LEN + 4u * n;

	if (info == NULL || n > EV_MAX_PARAMS || n > info->nparams)
		return cv_fail(c, -EPROTO, "rule for event code %u makes %u parameters for code %u", h->type, n, type);
	for (uint32_t i = 0; i < keep; i++) {
		vals[i] = old->val[i];
		lens[i] = old->len[i];
		total += lens[i];
	}
	for (uint32_t i = 0; i < cr->ntok; i++) {
		const struct ev_param_info *pi = &info->params[keep + i];
		uint32_t maxlen = cv_fixed_len(pi->type) ? cv_fixed_len(pi->type) : varmax;
		int rc = cv_fill(c, &cr->tok[i], old, pi, maxlen, &vals[keep + i], &lens[keep + i], &used_enter);
		if (rc < 0)
			return rc;
		total += lens[keep + i];
	}
	int rc = cv_reserve(c, which, total);
	if (rc < 0)
		return rc;
	int64_t len = ev_encode(c->out[which], c->outcap[which], h->ts, h->tid, type, n, vals, lens);
	if (len < 0)
		return cv_fail(c, (int)len, "cannot encode the converted event code %u", type);
	if (used_enter)
		cv_find(c, h->tid)->len = 0;
	return 0;
}

/* ---- the conversion loop ---- */

enum cv_class { CL_PASS, CL_DROP, CL_CONVERT };

/* What an event needs: the same decision upstream makes on every event it
 * reads (unused: drop; current: pass; managed enter or old exit: convert). */
static int cv_classify(struct ev_conv *c, const struct ev_hdr *h)
{
	const struct ev_info *info = ev_info(h->type);
	if (info == NULL)
		return cv_fail(c, -EINVAL, "unknown event code %u (tid %llu, ts %llu)", h->type,
		               (unsigned long long)h->tid, (unsigned long long)h->ts);
	if (info->flags & EV_F_UNUSED)
		return CL_DROP;
	if (!(info->flags & EV_F_CONVERTER_MANAGED)) {
		if (!(info->flags & EV_F_OLD_VERSION))
			return CL_PASS;
		if (!ev_is_exit(h->type))
			return CL_DROP;
		return cv_fail(c, -EPROTO, "old exit event code %u has no conversion", h->type);
	}
	if (!ev_is_exit(h->type))
		return CL_CONVERT;
	if (h->nparams > info->nparams)
		return cv_fail(c, -EINVAL, "event code %u (tid %llu, ts %llu) has %u parameters, at most %u expected",
		               h->type, (unsigned long long)h->tid, (unsigned long long)h->ts, h->nparams,
		               info->nparams);
	if ((info->flags & EV_F_OLD_VERSION) || h->nparams != info->nparams)
		return CL_CONVERT;
	return CL_PASS;
}

int ev_conv_next(struct ev_conv *c, const void *evt, size_t avail, const void **out)
{
	struct ev_view v;
	const void *cur = evt;
	size_t cur_avail = avail;
	bool rewritten = false;

	c->st.events++;
	for (int step = 0; step < CV_MAX_STEPS; step++) {
		if (ev_decode(cur, cur_avail, &v) != 0)
			return cv_fail(c, -EINVAL, "malformed event");
		const struct ev_hdr *h = v.hdr;
		int cl = cv_classify(c, h);
		if (cl < 0)
			return cl;
		if (cl == CL_DROP)
			goto drop;
		if (cl == CL_PASS)
			goto pass;

		const struct cv_compiled *cr = cv_lookup(c, h->type, h->nparams);
		if (cr == NULL)
			return cv_fail(c, -EPROTO, "no conversion for event code %u with %u parameters (tid %llu, ts %llu)",
			               h->type, h->nparams, (unsigned long long)h->tid, (unsigned long long)h->ts);
		int rc;
		switch (cr->rule->action) {
		case CV_STORE:
			rc = cv_store(c, h);
			if (rc < 0)
				return rc;
			goto drop;
		case CV_PASS:
			goto pass;
		case CV_STORE_PASS:
			rc = cv_store(c, h);
			if (rc < 0)
				return rc;
			goto pass;
		default:
			rc = cv_rewrite(c, cr, &v, step & 1);
			if (rc < 0)
				return rc;
			cur = c->out[step & 1];
			cur_avail = c->outcap[step & 1];
			rewritten = true;
		}
	}
	return cv_fail(c, -EPROTO, "event still not current after %d conversions", CV_MAX_STEPS);
pass:
	*out = cur;
	c->st.passed++;
	c->st.converted += rewritten;
	return EV_CONV_PASS;
drop:
	c->st.dropped++;
	return EV_CONV_DROP;
}

/* ---- lifetime ---- */

struct ev_conv *ev_conv_new(uint32_t max_threads)
{
	struct ev_conv *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	if (max_threads == 0)
		max_threads = 4096;
	c->nsets = 1;
	while (c->nsets * CV_WAYS < max_threads && c->nsets < (1u << 24))
		c->nsets <<= 1;
	c->slots = calloc((size_t)c->nsets * CV_WAYS, sizeof(*c->slots));
	c->json = malloc(CV_JSON_CAP);
	if (c->slots == NULL || c->json == NULL)
		goto fail;
	for (size_t i = 0; i < CV_NRULES; i++) {
		int n = cv_parse_recipe(cv_rules[i].recipe, c->rules[i].tok);
		if (n < 0)
			goto fail; /* a table bug; the unit tests parse every recipe */
		c->rules[i].rule = &cv_rules[i];
		c->rules[i].ntok = (uint8_t)n;
	}
	/* first[code]: index of the first rule of `code` or later. */
	size_t r = 0;
	for (uint32_t code = 0; code <= EV_CODE_MAX; code++) {
		while (r < CV_NRULES && cv_rules[r].code < code)
			r++;
		c->first[code] = (uint16_t)r;
	}
	return c;
fail:
	ev_conv_free(c);
	return NULL;
}

void ev_conv_free(struct ev_conv *c)
{
	if (c == NULL)
		return;
	if (c->slots != NULL)
		for (size_t i = 0; i < (size_t)c->nsets * CV_WAYS; i++)
			free(c->slots[i].buf);
	free(c->slots);
	free(c->out[0]);
	free(c->out[1]);
	free(c->json);
	free(c);
}

const char *ev_conv_error(const struct ev_conv *c)
{
	return c->err;
}

void ev_conv_get_stats(const struct ev_conv *c, struct ev_conv_stats *out)
{
	*out = c->st;
}
