/**
 * Loaded with `node --import` into a command under test: writes every package a module of it
 * imports by bare name to stderr as `module-watch: NAME`, so a test can see what a command loads
 * (racker status must not load zod or yaml: its start-up is benchmarked, bench/agent).
 */
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, next) {
    if (!specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('node:') && !specifier.startsWith('file:')) process.stderr.write(`module-watch: ${specifier} (from ${context.parentURL ?? "?"})\n`);
    return next(specifier, context);
  },
});
