// Unit suite: pure code and fakes, no network, no external programs.
module.exports = {
  require: ['dist/test/lib/safe-paths.js'],
  spec: ['dist/test/unit/**/*.test.js'],
  timeout: 10000,
  reporter: 'spec',
};
