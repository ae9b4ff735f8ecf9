// npm run drift [-- --json] [-- --docs <dir>] [-- --schemas <dir>]
// Compares the providers' docs (default: the committed snapshot in docs/providers/) with schemas/.
// Prints the report (or JSON with --json); exits 0 when clean, 1 on drift, 2 on wrong usage.
import { formatDriftReport, runDrift, type DriftOptions } from '../src/drift/index.js';

const USAGE = 'usage: npm run drift -- [--json] [--docs <dir>] [--schemas <dir>]';

function parseArgs(args: string[]): { json: boolean; options: DriftOptions } {
  const options: DriftOptions = {};
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      const next = args[++i];
      if (next === undefined || next.startsWith('--')) throw new Error(`${arg} needs a directory`);
      return next;
    };
    if (arg === '--json') json = true;
    else if (arg === '--docs') options.docsDir = value();
    else if (arg === '--schemas') options.schemasDir = value();
    else throw new Error(`unknown argument ${arg}`);
  }
  return { json, options };
}

let parsed: ReturnType<typeof parseArgs>;
try {
  parsed = parseArgs(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}

const report = await runDrift(parsed.options);
console.log(parsed.json ? JSON.stringify(report, null, 2) : formatDriftReport(report));
process.exitCode = report.clean ? 0 : 1;
