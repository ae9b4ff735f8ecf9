// Reading a V8 .cpuprofile (node --cpu-prof): self time per function, as DevTools' Bottom-Up view.
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (name + file:line), as a share of all samples. */
export function topSelf(profile: CpuProfile, count: number, base: string): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id)!.callFrame;
    const file = frame.url.startsWith('file:') ? relative(base, fileURLToPath(frame.url)) : frame.url;
    const key = `${frame.functionName || '(anonymous)'}${file ? ` ${file}:${frame.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + delta);
    total += delta;
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, time]) => `${((100 * time) / total).toFixed(1).padStart(5)}%  ${key}`);
}

/** Self time summed by where the code lives: the package (`dist`), node_modules, Node itself, V8 (GC, idle, …). */
export function selfByOrigin(profile: CpuProfile, dist: string): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const sums = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const { url, functionName } = byId.get(id)!.callFrame;
    const path = url.startsWith('file:') ? fileURLToPath(url) : url;
    const origin = path.startsWith(dist)
      ? 'the package (dist/)'
      : path.includes('/node_modules/')
        ? `node_modules/${path.split('/node_modules/').at(-1)!.split('/')[0]!.startsWith('@') ? path.split('/node_modules/').at(-1)!.split('/').slice(0, 2).join('/') : path.split('/node_modules/').at(-1)!.split('/')[0]}`
        : path.startsWith('node:')
          ? 'node internals'
          : path
            ? 'other scripts'
            : `(${functionName || 'native'})`;
    sums.set(origin, (sums.get(origin) ?? 0) + delta);
    total += delta;
  });
  return [...sums].sort((a, b) => b[1] - a[1]).map(([origin, time]) => `${((100 * time) / total).toFixed(1).padStart(5)}%  ${origin}`);
}

/** Total time (self + callees) per function, as a share of all samples: where a request's time goes. */
export function topTotal(profile: CpuProfile, count: number, base: string, filter: (url: string) => boolean = () => true): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (!filter(frame.url)) continue;
      const file = frame.url.startsWith('file:') ? relative(base, fileURLToPath(frame.url)) : frame.url;
      const key = `${frame.functionName || '(anonymous)'}${file ? ` ${file}:${frame.lineNumber + 1}` : ''}`;
      if (seen.has(key)) continue; // recursion counts once
      seen.add(key);
      totals.set(key, (totals.get(key) ?? 0) + delta);
    }
  });
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, time]) => `${((100 * time) / total).toFixed(1).padStart(5)}%  ${key}`);
}
