/**
 * node --import tsx bench/profile-summary.ts /tmp/prof/CPU….cpuprofile [top]
 *
 * Summarises a V8 CPU profile (from BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
 * npm run bench) by self time: per function and per package or source file. Node writes one
 * profile per thread; the main thread's file has the lowest thread number (….0.001…), the
 * SMTP thread is the busy one among the others. "(idle)" is the share of the thread's life it
 * had nothing to do: a thread with little idle time is the one that limits throughput.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const top = Number(topArg ?? 40);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));

const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const us = profile.timeDeltas[i] ?? 0;
  total += us;
  const { functionName, url, lineNumber } = (nodes.get(id) as ProfileNode).callFrame;
  const where = url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/');
  const fn = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  const inModules = where.split('node_modules/').pop() as string;
  const pkg = where.includes('node_modules/')
    ? inModules.split('/').slice(0, inModules.startsWith('@') ? 2 : 1).join('/')
    : where.startsWith('node:')
      ? where.split('/')[0]
      : where || functionName;
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
});

const print = (title: string, m: Map<string, number>) => {
  process.stdout.write(`${title}\n`);
  for (const [name, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${name}\n`);
  }
};
process.stdout.write(`${file}: ${(total / 1000).toFixed(0)} ms sampled\n`);
print('self time by function:', byFunction);
print('self time by package / file:', byPackage);
