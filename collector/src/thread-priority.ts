import * as fs from 'node:fs';
import * as os from 'node:os';

/**
 * Lowers the scheduling priority of the calling thread (not the process) to nice `nice`, on Linux,
 * where the nice value is per thread (`setpriority` takes a thread id). The collector's loader and
 * processing workers call it so that, when the cores are busy, the thread that receives and
 * acknowledges requests is scheduled first; the workers still get every cycle it leaves. Threads
 * the calling thread creates afterwards inherit the value. A thread already at `nice` or above is
 * left alone (an unprivileged process cannot lower it back). Returns the thread's nice value, or
 * undefined where it cannot be read or set (other platforms, a restricted /proc) or `nice` is not
 * positive (nothing to do): never throws.
 */
export function lowerThreadPriority(nice: number | undefined): number | undefined {
  if (process.platform !== 'linux' || nice === undefined || !(nice > 0)) return undefined;
  try {
    // /proc/thread-self -> "<pid>/task/<tid>"
    const link = fs.readlinkSync('/proc/thread-self');
    const tid = Number(link.slice(link.lastIndexOf('/') + 1));
    if (!Number.isInteger(tid) || tid <= 0) return undefined;
    const current = os.getPriority(tid);
    if (current < nice) os.setPriority(tid, Math.min(19, Math.trunc(nice)));
    return os.getPriority(tid);
  } catch {
    return undefined;
  }
}
