/**
 * A FRU 0 image (Platform Management FRU Information Storage Definition v1.0) for ipmi_sim, so
 * racker-sim's BMCs report the server they belong to (the serial QEMU gives its SMBIOS, as a real
 * BMC's FRU and its server's SMBIOS agree) and the tests read inventory racker did not write itself
 * through the BMC: common header, chassis, board and product info areas, each padded to 8 bytes
 * and checksummed. Fields are 8-bit ASCII, or 6-bit packed ASCII when given as { sixBit: 'TEXT' }
 * (upper case, as the encoding allows).
 */
export type FruField = string | { sixBit: string };

export interface FruImage {
  chassis: { type: number; part: FruField; serial: FruField };
  board: { minutesSince1996: number; manufacturer: FruField; product: FruField; serial: FruField; part: FruField };
  product: { manufacturer: FruField; name: FruField; part: FruField; version: FruField; serial: FruField; assetTag: FruField };
}

function field(f: FruField): number[] {
  if (typeof f === 'string') {
    // 0xc1 (8-bit, length 1) is the end-of-fields marker: a reader would stop at such a field.
    if (f.length === 1 || f.length > 63) throw new Error(`FRU field ${JSON.stringify(f)}: 8-bit text is 0 or 2 to 63 characters`);
    return [0xc0 | f.length, ...Buffer.from(f, 'latin1')];
  }
  const codes = [...f.sixBit].map((c) => c.charCodeAt(0) - 0x20);
  const bytes = new Array<number>(Math.ceil((codes.length * 6) / 8)).fill(0);
  codes.forEach((code, i) => {
    const bit = i * 6;
    bytes[bit >> 3] = (bytes[bit >> 3] as number) | ((code << (bit & 7)) & 0xff);
    if ((bit & 7) > 2) bytes[(bit >> 3) + 1] = (bytes[(bit >> 3) + 1] as number) | (code >> (8 - (bit & 7)));
  });
  return [0x80 | bytes.length, ...bytes];
}

/** An info area: header bytes, fields, end marker, padding to 8, checksum. */
function infoArea(head: number[], fields: FruField[]): number[] {
  const body = [...head, ...fields.flatMap(field), 0xc1];
  while ((body.length + 1) % 8 !== 0) body.push(0);
  body[1] = (body.length + 1) / 8;
  return [...body, checksum(body)];
}

const checksum = (bytes: number[]): number => (0x100 - (bytes.reduce((a, b) => a + b, 0) & 0xff)) & 0xff;

export function fruImage(f: FruImage): number[] {
  const chassis = infoArea([0x01, 0, f.chassis.type], [f.chassis.part, f.chassis.serial]);
  const m = f.board.minutesSince1996;
  const board = infoArea([0x01, 0, 0x00, m & 0xff, (m >> 8) & 0xff, (m >> 16) & 0xff], [f.board.manufacturer, f.board.product, f.board.serial, f.board.part, '']);
  const product = infoArea([0x01, 0, 0x00], [f.product.manufacturer, f.product.name, f.product.part, f.product.version, f.product.serial, f.product.assetTag, '']);
  const header = [0x01, 0, 1, 1 + chassis.length / 8, 1 + (chassis.length + board.length) / 8, 0, 0];
  return [...header, checksum(header), ...chassis, ...board, ...product];
}
