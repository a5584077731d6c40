// Floors that only look down (docs/architecture.md "Floors"). Each folder stands on a floor; a file
// may import its own folder and anything on a lower floor, never a higher floor or a neighbour on the
// same floor, and no import circle anywhere. Type-only imports count: a type that climbs up couples
// the floors as much as a value does. `npm run lint` runs this (`npm run lint:floors` alone);
// test/unit/lint/floors.test.ts checks that the rules catch what they are for.
//
// Lowest first. When a lint message says a file climbs, move the shared piece down to the floor of
// the file that needs it (or lower), instead of importing up.
const FLOORS = [
  { name: 'lib', folders: ['agent/lib'], holds: 'helpers that know nothing of racker: errors, files, exec, logging, MAC and IPv4 arithmetic' },
  { name: 'config', folders: ['agent/config'], holds: 'racker.yaml schema, the state and configuration layout (paths.ts), build pins' },
  { name: 'inventory', folders: ['agent/inventory'], holds: 'nodes.csv, host names, the address plan, credentials, naming a node' },
  { name: 'state', folders: ['agent/state'], holds: 'what the agent remembers: node records, phases, the event log' },
  { name: 'cli-kit', folders: ['agent/cli-kit'], holds: 'argument parsing, the command context, error printing shared by racker, racker-sim and the installer programs' },
  { name: 'services', folders: ['agent/bmc', 'agent/dhcp', 'agent/boot', 'agent/net', 'installer'], holds: 'one subsystem each (BMCs, dnsmasq, the boot service, the PXE address, racker\'s own install); they do not import each other' },
  { name: 'metrics', folders: ['agent/metrics'], holds: 'the Prometheus metrics of the services below' },
  { name: 'bmc-poller', folders: ['agent/bmc-poller'], holds: 'the BMC poller, which feeds the state and the metrics' },
  { name: 'bootstrap', folders: ['bootstrap'], holds: 'planning and running a bootstrap job against ports' },
  { name: 'api', folders: ['agent/api'], holds: 'the control API server, its requests and client' },
  { name: 'daemon', folders: ['agent/daemon'], holds: 'the composition root and the agent lifecycle' },
  { name: 'factory', folders: ['factory'], holds: 'racker factory: inventory editing and checks before hand-over' },
  { name: 'programs', folders: ['agent/cli', 'sim'], holds: 'the racker and racker-sim commands' },
];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
const folderRe = (folders) => `^(${folders.map(escape).join('|')})/`;

const floorRules = FLOORS.flatMap((floor, i) => {
  const above = FLOORS.slice(i + 1).flatMap((f) => f.folders);
  const rules = [];
  if (above.length > 0) {
    rules.push({
      name: `floor-${floor.name}-looks-down`,
      comment: `${floor.folders.join(', ')} is on the ${floor.name} floor (${floor.holds}): it must not import a higher floor. ` +
        'Move what both need down to this floor or lower (see docs/architecture.md "Floors").',
      severity: 'error',
      from: { path: folderRe(floor.folders) },
      to: { path: folderRe(above) },
    });
  }
  // Neighbours on one floor do not import each other: each stands on the floors below.
  for (const folder of floor.folders) {
    const neighbours = floor.folders.filter((f) => f !== folder);
    if (neighbours.length === 0) continue;
    rules.push({
      name: `floor-${floor.name}-no-sideways`,
      comment: `${folder} and ${neighbours.join(', ')} share the ${floor.name} floor: they do not import each other. ` +
        'Move what both need down a floor (see docs/architecture.md "Floors").',
      severity: 'error',
      from: { path: folderRe([folder]) },
      to: { path: folderRe(neighbours) },
    });
  }
  return rules;
});

module.exports = {
  forbidden: [
    ...floorRules,
    {
      name: 'no-circular',
      comment: 'An import circle: the files in it cannot be understood, tested or moved apart. Move what they share into a file both import.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'product-not-on-tests',
      comment: 'Product code must not import tests or benchmarks.',
      severity: 'error',
      from: { pathNot: '^(test|bench)/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
