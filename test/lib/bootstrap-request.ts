/** A valid POST /v1/jobs body (the bootstrap's schema), with overrides for a test's point. */
export function bootstrapBody(overrides: Record<string, unknown> = {}, answers: Record<string, unknown> = {}): string {
  return JSON.stringify({
    kind: 'bootstrap',
    answers: { provision: 'flatcar', clusterName: 'rack1', publicAddressing: 'dhcp', domain: 'rack.local', internalSubnet: '172.24.213.0/24', sshKeys: [], ...answers },
    ...overrides,
  });
}
