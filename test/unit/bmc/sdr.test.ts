/** Sensor record parsing and reading conversion (the same records ipmi_sim serves in integration tests). */
import { expect } from 'chai';
import { convertReading, parseSensorRecord, sensorReading } from '../../../agent/bmc/ipmi/sdr.js';
import { DEFAULT_SENSORS, fullSensorRecord } from '../../lib/ipmi-sim-config.js';

describe('SDR records and readings', () => {
  it('parses full sensor records: name, number, type, unit, conversion', () => {
    const rec = parseSensorRecord(Buffer.from(fullSensorRecord(2, DEFAULT_SENSORS[1] as (typeof DEFAULT_SENSORS)[number])));
    expect(rec).to.deep.include({ recordId: 2, ownerId: 0x20, number: 2, name: '12V', sensorType: 2, eventReadingType: 1, unit: 'V' });
    expect(rec?.conversion).to.deep.equal({ format: 0, linearization: 0, m: 6, b: 0, k1: 0, k2: -2 });
  });

  it('converts readings with M, B and the exponents, signed formats included', () => {
    expect(convertReading(200, { format: 0, linearization: 0, m: 6, b: 0, k1: 0, k2: -2 })).to.equal(12);
    expect(convertReading(0xfe, { format: 2, linearization: 0, m: 1, b: 0, k1: 0, k2: 0 })).to.equal(-2);
    expect(convertReading(0xfe, { format: 1, linearization: 0, m: 1, b: 0, k1: 0, k2: 0 })).to.equal(-1);
    expect(convertReading(10, { format: 0, linearization: 0, m: 2, b: -5, k1: 1, k2: 0 })).to.equal(-30);
    expect(convertReading(10, { format: 3, linearization: 0, m: 1, b: 0, k1: 0, k2: 0 })).to.equal(undefined);
  });

  it('turns threshold status bits and the unavailable flag into a status', () => {
    const rec = parseSensorRecord(Buffer.from(fullSensorRecord(1, DEFAULT_SENSORS[0] as (typeof DEFAULT_SENSORS)[number])));
    if (rec === undefined) throw new Error('no record');
    expect(sensorReading(rec, Buffer.from([40, 0x40, 0x00]))).to.deep.equal({ name: 'CPU Temp', type: 'temperature', unit: '°C', value: 40, status: 'ok' });
    expect(sensorReading(rec, Buffer.from([85, 0x40, 0x08])).status).to.equal('warning');
    expect(sensorReading(rec, Buffer.from([95, 0x40, 0x18])).status).to.equal('critical');
    expect(sensorReading(rec, Buffer.from([0, 0x60, 0x00])).status).to.equal('unavailable');
    expect(sensorReading(rec, undefined).value).to.equal(undefined);
  });

  it('ignores records that are not sensors', () => {
    expect(parseSensorRecord(Buffer.from([1, 0, 0x51, 0x12, 0x10, ...new Array<number>(40).fill(0)]))).to.equal(undefined);
  });
});
