/**
 * Puts a running process (the server under test) under SCHED_RR, so that the machine's load
 * cannot starve it while the impairment harness measures what the network does.
 *
 * Why, measured on the shared 2-vCPU test machine (load 7-16, three Chromiums encoding 720p
 * simulcast): the server's media worker used 20-70 ms of CPU per second yet waited 500-1,000 ms of
 * every second on the run queue (/proc/thread-self/schedstat), in stalls of 100-400 ms. TWCC
 * arrival times are taken when the worker reads a packet, so each stall reached the publishers as
 * a queue that was never on the wire, and Chromium's delay-based estimate sat at 100-300 kbit/s:
 * the 720p layer never flowed. Neither nice -15 nor a session (autogroup) of its own changed the
 * wait; under SCHED_FIFO the wait was 0-25 ms a second and the same publishers' estimates climbed
 * to 4.7-5.2 Mbit/s. The server needs a few percent of a core here, and the kernel's real-time
 * throttling (95 % per period) keeps even a runaway from taking the whole machine.
 *
 * Round-robin, not FIFO: under FIFO, in about 1 run in 5 of the 400 kbit/s cap test, the media
 * worker's timer fired 593-2,090 ms late (the engine's 'media thread stalled' warning) and every
 * viewer's picture stood still at once; a sampler saw two of the server's threads holding both
 * cores meanwhile. Threads of one FIFO priority never preempt each other; under RR they share a
 * core in 100 ms slices, and 8 runs had no such stall. Which threads ran, and why, is not fully
 * understood.
 */
import { run } from './run';

/** Every thread of `pid`; threads made later inherit the policy (no SCHED_RESET_ON_FORK). */
export async function runAtRealtimePriority(pid: number, priority = 10): Promise<void> {
  await run('chrt', ['--all-tasks', '--rr', '--pid', String(priority), String(pid)]);
}
