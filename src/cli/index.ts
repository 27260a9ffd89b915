// A closed pipe (e.g. `resnext summarize … | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const argv = process.argv.slice(2);

// `scan` needs no TF.js, so it is loaded on its own: esbuild keeps dynamic imports lazily evaluated within the
// bundle, and main.ts (which imports every command, TF.js among them) is never evaluated for it.
const run: Promise<number> =
  argv[0] === 'scan'
    ? Promise.all([import('./scan'), import('./failure')]).then(([{ scanCommand }, { exitCodeFor }]) => scanCommand(argv.slice(1)).then(() => 0, exitCodeFor))
    : import('./main').then(({ main }) => main(argv));

run.then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`resnext: internal error: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
