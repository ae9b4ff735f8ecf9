// npm run drift [-- --json] [-- --docs <dir> | --deliveries <dir>] [-- --schemas <dir>]
// Compares the providers' docs (default: the committed snapshot in docs/providers/) with schemas/,
// provider.json and the runtime; with --deliveries, a folder of captured deliveries instead.
// Prints the report (or JSON with --json); exits 0 when clean, 1 on drift, 2 on wrong usage.
import { formatDriftReport, formatTrafficReport, runDrift, runTrafficDrift, type DriftOptions } from '../src/drift/index.js';

const USAGE = 'usage: npm run drift -- [--json] [--docs <dir> | --deliveries <dir>] [--schemas <dir>]';

function parseArgs(args: string[]): { json: boolean; deliveries?: string; options: DriftOptions } {
  const options: DriftOptions = {};
  let json = false;
  let deliveries: string | undefined;
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
    else if (arg === '--deliveries') deliveries = value();
    else throw new Error(`unknown argument ${arg}`);
  }
  if (deliveries !== undefined && options.docsDir !== undefined) throw new Error('--docs and --deliveries compare different things; run them one at a time');
  return { json, ...(deliveries !== undefined ? { deliveries } : {}), options };
}

let parsed: ReturnType<typeof parseArgs>;
try {
  parsed = parseArgs(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}

try {
  if (parsed.deliveries !== undefined) {
    const report = await runTrafficDrift({ source: parsed.deliveries, ...(parsed.options.schemasDir ? { schemasDir: parsed.options.schemasDir } : {}) });
    console.log(parsed.json ? JSON.stringify(report, null, 2) : formatTrafficReport(report));
    process.exitCode = report.clean ? 0 : 1;
  } else {
    const report = await runDrift(parsed.options);
    console.log(parsed.json ? JSON.stringify(report, null, 2) : formatDriftReport(report));
    process.exitCode = report.clean ? 0 : 1;
  }
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 2;
}
