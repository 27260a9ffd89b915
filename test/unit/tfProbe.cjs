// Preloaded (node -r) by the scan CLI test: says on stderr whether TensorFlow.js's engine was created in the process.
process.on('exit', () => {
  process.stderr.write(globalThis._tfengine ? 'tfjs: loaded\n' : 'tfjs: not loaded\n');
});
