/* Exit guard: a bound on how long falco may take to end once its event
 * sources have stopped (-M, SIGINT/SIGTERM, end of a capture, an error).
 *
 * The end of a run still writes: the outputs drain, the summaries go to
 * stdout and stderr. When a stream nobody reads blocks those writes (a full
 * pipe whose reader waits for falco to exit first), falco would wait for
 * ever; upstream does (its output worker is joined without a bound). Armed
 * when a stop is requested and again when the sources have stopped, the
 * guard ends the process once the bound has
 * passed, with a note on stderr when writing it cannot block, and status
 * EXG_STATUS: what was still unwritten is lost, and the status says so. */
#ifndef FALCO_APP_EXITGUARD_H
#define FALCO_APP_EXITGUARD_H

#define EXG_STATUS 1

/* Sets the bound, in seconds, from the outputs' `output_timeout_ms`: the
 * output manager's own shutdown waits (a 2 s drain, then up to nine output
 * timeouts for a sink write to end) plus a margin for the driver's and the
 * plugins' teardown. Until called, the bound is that of the default 2000 ms
 * (25 s). Returns the bound. */
unsigned exg_set_bound(unsigned output_timeout_ms);

/* Arms the guard, or re-arms it for a whole bound from now, on SIGALRM (the
 * -M alarm, if any, is replaced). Async-signal-safe: called when a stop is
 * requested (the signal handler) and again when the sources have stopped. */
void exg_arm(void);

#endif
