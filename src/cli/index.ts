import { main } from './main';

// A closed pipe (e.g. `resnext summarize … | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`resnext: internal error: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
