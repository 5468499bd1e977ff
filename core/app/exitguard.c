/* The exit guard (exitguard.h): SIGALRM after the bound. Its handler uses
 * only async-signal-safe calls (poll, write, _exit): whichever thread takes
 * the signal, and whatever lock a blocked writer holds (stdout's stdio
 * lock, typically), it ends the process. */
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "app/exitguard.h"

static const char k_note[] =
	"falco: still not done writing its output long after the event sources stopped "
	"(is stdout/stderr a pipe nobody reads?): exiting, unwritten output lost\n";

static void on_expiry(int sig)
{
	(void)sig;
	/* stderr may be the blocked stream: write only when it has room now */
	struct pollfd p = {.fd = STDERR_FILENO, .events = POLLOUT};
	if (poll(&p, 1, 0) == 1 && (p.revents & POLLOUT)) {
		ssize_t w = write(STDERR_FILENO, k_note, sizeof(k_note) - 1);
		(void)w;
	}
	_exit(EXG_STATUS);
}

static volatile sig_atomic_t g_bound_s = 25;

unsigned exg_set_bound(unsigned output_timeout_ms)
{
	unsigned long ms = 2000ul + 9ul * output_timeout_ms;
	unsigned long s = ms / 1000ul + 5ul;
	g_bound_s = (sig_atomic_t)(s > 3600ul ? 3600ul : s);
	return (unsigned)g_bound_s;
}

void exg_arm(void)
{
	struct sigaction sa = {.sa_handler = on_expiry};
	sigfillset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)g_bound_s);
}
