/**
 * Vendors of the NICs and BMCs most often found in racks, by OUI (the MAC's first three bytes), so
 * the discovery panel can say "Supermicro" next to a MAC that just asked for an address. A BMC's
 * MAC carries its board vendor's OUI, so a Supermicro MAC on the internal network is most likely a
 * Supermicro BMC or NIC; the panel says "vendor", never more than it knows. Deliberately small: the
 * full IEEE registry is 4 MB and changes monthly.
 */
import type { Mac } from '../agent/lib/mac.js';

const VENDORS: Record<string, readonly string[]> = {
  Supermicro: ['00:25:90', '0c:c4:7a', 'ac:1f:6b', '3c:ec:ef', '00:30:48'],
  Dell: ['14:18:77', '18:66:da', '18:fb:7b', '24:6e:96', '4c:d9:8f', 'b0:83:fe', 'd0:94:66', 'f8:bc:12', 'ec:f4:bb', '84:7b:eb'],
  HPE: ['94:18:82', '3c:a8:2a', '1c:98:ec', '98:f2:b3', '48:df:37'],
  Lenovo: ['08:94:ef'],
  IBM: ['6c:ae:8b', '40:f2:e9'],
  Gigabyte: ['b4:2e:99', 'e0:d5:5e', '18:c0:4d'],
  'ASRock Rack': ['d0:50:99', '70:85:c2'],
  Intel: ['00:1e:67'],
  Fujitsu: ['90:1b:0e'],
  'QEMU (simulated)': ['52:54:00'],
};

const BY_OUI = new Map<string, string>(Object.entries(VENDORS).flatMap(([vendor, ouis]) => ouis.map((o) => [o, vendor] as const)));

/** The vendor of a MAC's OUI, when it is in the table. Locally administered MACs have none. */
export function vendorOf(mac: Mac): string | undefined {
  return BY_OUI.get(mac.slice(0, 8));
}
