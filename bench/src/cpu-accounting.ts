/**
 * CPU time of whole processes, from /proc/<pid>/stat (user + system, Linux clock ticks of 10 ms), so a row
 * can say how much CPU each process (server, emulator, baseline, load generator) spent per answered request.
 */
import { readFile } from 'node:fs/promises';

const MICROS_PER_TICK = 10_000; // USER_HZ is 100 on Linux (getconf CLK_TCK)

export async function processCpuMicros(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may contain spaces: count fields after its end.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime))
    throw new Error(`bench: unreadable /proc/${pid}/stat`);
  return (utime + stime) * MICROS_PER_TICK;
}

function benchCpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/** CPU microseconds each named process (and the bench itself, as 'load generator') spent while `work` ran. */
export async function accountCpu<T>(
  pids: Record<string, number>,
  work: () => Promise<T>,
): Promise<{ value: T; cpuUs: Record<string, number> }> {
  const names = Object.keys(pids);
  const read = async () => {
    const values = await Promise.all(names.map((name) => processCpuMicros(pids[name] as number)));
    return {
      ...Object.fromEntries(names.map((name, i) => [name, values[i] as number])),
      'load generator': benchCpuMicros(),
    };
  };
  const before = await read();
  const value = await work();
  const after = await read();
  const cpuUs = Object.fromEntries(
    Object.entries(after).map(([name, us]) => [name, us - (before[name as keyof typeof before] as number)]),
  );
  return { value, cpuUs };
}
