/**
 * Loaded into the real server process (NODE_OPTIONS --import) by processGuards.test.ts. On SIGUSR2
 * it throws an exception nobody catches and leaves a rejected promise nobody handles, as a bug
 * outside every handler of ours would.
 */
process.on('SIGUSR2', () => {
  setImmediate(() => {
    throw new Error('injected uncaught exception');
  });
  void Promise.reject(new Error('injected unhandled rejection'));
});
