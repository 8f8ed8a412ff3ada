import { Session } from 'node:inspector/promises';

/** The parts of a V8 CPU profile (`.cpuprofile`, inspector `Profiler.stop`) that self time needs. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }>;
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTimeFrame {
  /** `functionName (file:line)`, with paths shortened to the package they belong to. */
  frame: string;
  selfMs: number;
  share: number;
}

/** Shortens a file URL to what a reader needs: `express/lib/router.js` or `apps/server/src/app.ts`. */
export function shortenUrl(url: string): string {
  if (url === '') return '';
  // tsx loads files outside a package as data: URLs that carry the whole source; keep only the file name.
  const dataFile = /^data:text\/javascript,__filename%3D%22([^%]*(?:%2F[^%]*)*)%22/.exec(url)?.[1];
  const path = dataFile ? decodeURIComponent(dataFile) : url.replace(/^file:\/\//, '');
  const inModules = path.lastIndexOf('/node_modules/');
  if (inModules >= 0)
    return path.slice(inModules + '/node_modules/'.length).replace(/^\.pnpm\/[^/]+\/node_modules\//, '');
  const inRepo = path.search(/\/(apps|packages|bench)\//);
  return inRepo >= 0 ? path.slice(inRepo + 1) : path;
}

/**
 * Self time per function, summed over every node of the profile with the same name and location, largest first.
 * Self time is the time the sampler found that function on top of the stack.
 */
export function summarizeSelfTime(profile: CpuProfile, top = 12): SelfTimeFrame[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let totalUs = 0;
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i] as number);
    // A sample's duration is the gap to the next sample; V8 puts that gap in the next delta.
    const us = Math.max(0, deltas[i + 1] ?? deltas[i] ?? 0);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    // tsx-compiled files report line 0 for every function; a line is only shown when it means something.
    const line = lineNumber > 0 ? `:${lineNumber + 1}` : '';
    const where = url ? ` (${shortenUrl(url)}${line})` : '';
    const key = `${functionName || '(anonymous)'}${where}`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + us);
    totalUs += us;
  }
  return [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, us]) => ({ frame, selfMs: us / 1000, share: totalUs > 0 ? us / totalUs : 0 }));
}

export function renderSelfTime(frames: readonly SelfTimeFrame[]): string {
  return frames
    .map(
      (f) => `${(f.share * 100).toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(6)} ms  ${f.frame}`,
    )
    .join('\n');
}

export interface RunningProfile {
  stop(): Promise<CpuProfile>;
}

/** Starts profiling this very process through the inspector (no restart, no flag); `stop` returns the profile. */
export async function startProfiling(samplingIntervalUs = 200): Promise<RunningProfile> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
  await session.post('Profiler.start');
  return {
    async stop() {
      try {
        const { profile } = await session.post('Profiler.stop');
        return profile as CpuProfile;
      } finally {
        session.disconnect();
      }
    },
  };
}

/** Profiles this process while `work` runs. */
export async function profileWhile(work: () => Promise<void> | void): Promise<CpuProfile> {
  const running = await startProfiling();
  try {
    await work();
  } catch (error) {
    await running.stop();
    throw error;
  }
  return running.stop();
}
