/**
 * Sensor readings from the three shapes firmware publishes: the Sensors collection (schema
 * 2020.4+, also what ThermalSubsystem's fans point at), ThermalSubsystem's Fans and ThermalMetrics,
 * and the deprecated Thermal/Power resources (with Thermal v1.0's FanName and ReadingRPM).
 * Pure conversions; the driver reads the resources.
 */
import type { SensorReading } from '../bmc-client.js';
import { text } from './connection.js';
import type { Fan, Power, Sensor, Thermal, ThermalMetrics } from './schemas.js';

/** What every reading shape has in common, as parsed (schemas.ts). */
interface Reported {
  Name?: string | null;
  MemberId?: string | number | null;
  Id?: string | null;
  Status?: { Health?: string | null } | null;
}

function status(x: Reported, v: number | undefined): SensorReading['status'] {
  const health = x.Status?.Health;
  return v === undefined ? 'unavailable' : health === 'Critical' ? 'critical' : health === 'Warning' ? 'warning' : 'ok';
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function reading(x: Reported, name: string, type: string, value: number | null | undefined, unit: string): SensorReading {
  const v = num(value);
  return { name: name || text(x.Name) || text(x.MemberId) || text(x.Id), type, value: v, unit, status: status(x, v) };
}

/** Thermal (deprecated): Temperatures and Fans; v1.0 fans have FanName and ReadingRPM. */
export function thermalReadings(t: Thermal): SensorReading[] {
  const out: SensorReading[] = [];
  for (const x of t.Temperatures ?? []) out.push(reading(x, text(x.Name), 'temperature', x.ReadingCelsius, '°C'));
  for (const x of t.Fans ?? []) {
    const rpm = x.Reading ?? x.ReadingRPM;
    out.push(reading(x, text(x.Name) || text(x.FanName), 'fan', rpm, text(x.ReadingUnits) || 'RPM'));
  }
  return out;
}

/** Power (deprecated): Voltages. */
export function powerReadings(p: Power): SensorReading[] {
  return (p.Voltages ?? []).map((x) => reading(x, text(x.Name), 'voltage', x.ReadingVolts, 'V'));
}

const SENSOR_TYPES: Record<string, [string, string]> = {
  Temperature: ['temperature', '°C'], Voltage: ['voltage', 'V'], Current: ['current', 'A'], Power: ['power', 'W'],
  Rotational: ['fan', 'RPM'], Percent: ['fan', '%'], Humidity: ['humidity', '%'], EnergykWh: ['energy', 'kWh'],
};

/** One member of a Sensors collection. */
export function sensorReading(s: Sensor): SensorReading {
  const [type, unit] = SENSOR_TYPES[text(s.ReadingType)] ?? [text(s.ReadingType).toLowerCase() || 'sensor', text(s.ReadingUnits)];
  return reading(s, text(s.Name), type, s.Reading, text(s.ReadingUnits) || unit);
}

/** One member of ThermalSubsystem's Fans: its speed, as the Sensor excerpt SpeedPercent. */
export function fanReading(f: Fan): SensorReading {
  const speed = f.SpeedPercent ?? {};
  return num(speed.SpeedRPM) !== undefined ? reading(f, text(f.Name), 'fan', speed.SpeedRPM, 'RPM') : reading(f, text(f.Name), 'fan', speed.Reading, '%');
}

/** ThermalMetrics: TemperatureReadingsCelsius excerpts. */
export function thermalMetricsReadings(m: ThermalMetrics): SensorReading[] {
  return (m.TemperatureReadingsCelsius ?? []).map((x) => reading(x, text(x.DeviceName) || text(x.DataSourceUri).split('/').pop() || '', 'temperature', x.Reading, '°C'));
}
