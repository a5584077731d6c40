/**
 * Boot events crossing from a worker to the agent: what the agent re-emits equals what the worker
 * made, after the JSON the IPC channel carries.
 */
import { expect } from 'chai';
import { fromWire, reportFromWire, reportToWire, toWire } from '../../../agent/boot/workers/protocol.js';
import type { BootEvent } from '../../../agent/boot/events.js';

const overIpc = (e: BootEvent): BootEvent => (e.type === 'phone-home'
  ? reportFromWire(JSON.parse(JSON.stringify(reportToWire(e))) as ReturnType<typeof reportToWire>)
  : fromWire(JSON.parse(JSON.stringify(toWire(e))) as ReturnType<typeof toWire>));

describe('boot worker protocol: events', () => {
  const at = new Date('2026-11-21T19:00:00.123Z');
  const events: BootEvent[] = [
    { type: 'request', at, endpoint: 'ipxe', method: 'GET', mac: '52:54:00:a1:9c:ae', os: undefined, clientIp: '10.0.0.5', status: 200,
      group: 'node-1', profile: 'install', bytes: 321, aborted: false },
    { type: 'request', at, endpoint: 'ignition', method: 'HEAD', mac: '52:54:00:a1:9c:ae', os: 'installed', clientIp: '10.0.0.5', status: 403,
      group: 'node-1-installed', profile: 'installed', bytes: 0, aborted: false },
    { type: 'request', at, endpoint: 'assets', method: 'GET', mac: undefined, os: undefined, clientIp: '10.0.0.6', status: 206,
      group: undefined, profile: undefined, path: 'flatcar/current/flatcar_production_pxe.vmlinuz', bytes: 1048576, aborted: true },
    { type: 'request', at, endpoint: 'other', method: 'GET', mac: undefined, os: undefined, clientIp: '::1', status: 404,
      group: undefined, profile: undefined, bytes: 19, aborted: false },
    { type: 'phone-home', at, mac: '52:54:00:a1:9c:ae', clientIp: '10.0.0.5', status: 'failed', reason: 'disk /dev/sda not found' },
    { type: 'phone-home', at, mac: '52:54:00:a1:9c:ae', clientIp: '10.0.0.5', status: 'ready', reason: undefined },
  ];
  for (const e of events) {
    it(`carries a ${e.type} event (${e.type === 'request' ? e.endpoint : e.status}) unchanged`, () => {
      const got = overIpc(e);
      expect(got.at).to.be.instanceOf(Date);
      expect(got).to.deep.equal(e.type === 'phone-home' && e.reason === undefined ? { type: e.type, at, mac: e.mac, clientIp: e.clientIp, status: e.status } : e);
    });
  }
});
