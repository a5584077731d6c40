// Integration suite: real processes (racker itself, dnsmasq, ipmi_sim, ipmitool, ...), temp dirs,
// network namespaces the tests create and remove. Never exit:true: a leaked handle must hang the run.
module.exports = {
  require: ['dist/test/lib/safe-paths.js'],
  spec: ['dist/test/integration/**/*.test.js'],
  timeout: 120000,
  reporter: 'spec',
};
