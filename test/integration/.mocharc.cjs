// Integration suite: real processes (racker itself, dnsmasq, ipmi_sim, ipmitool, ...), temp dirs,
// network namespaces the tests create and remove. Never exit:true: a leaked handle must hang the run.
//
// The files that boot QEMU servers (e2e/, and sim's VM tests, named vm-*.test.js or *-vm.test.js) run last: the test
// command builds their OS images in the background (racker-sim build-os) while the rest runs.
// mocha keeps the order of `spec` (no `sort`).
const { globSync } = require('node:fs');

const files = globSync('dist/test/integration/**/*.test.js').sort();
const bootsVms = (f) => f.includes('/e2e/') || /\/(vm-[^/]*|[^/]*-vm)\.test\.js$/.test(f);

module.exports = {
  require: ['dist/test/lib/safe-paths.js'],
  spec: [...files.filter((f) => !bootsVms(f)), ...files.filter(bootsVms)],
  timeout: 120000,
  reporter: 'spec',
};
