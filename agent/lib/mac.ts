/**
 * MAC addresses. Accepted with `:` or `-` separators in any case; always stored and compared in
 * lower-case colon form, so `AA-BB-…` in nodes.csv matches `aa:bb:…` in /sys/class/net. Exact
 * comparison only: the original's substring greps matched MACs inside comments.
 */

/** Normalised form `aa:bb:cc:dd:ee:ff`. */
export type Mac = string & { readonly __mac: unique symbol };

const MAC_RE = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

export function normalizeMac(text: string): Mac | undefined {
  const t = text.trim();
  if (!MAC_RE.test(t)) return undefined;
  return t.toLowerCase().replace(/-/g, ':') as Mac;
}

/** Whether a string is a MAC in any accepted form (used to catch MACs in the wrong column). */
export function looksLikeMac(text: string): boolean {
  return normalizeMac(text) !== undefined || /^[0-9a-f]{12}$/i.test(text.trim());
}

/** Multicast (group) addresses cannot belong to a NIC. */
export function isMulticastMac(mac: Mac): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

/** `aabbccddeeff`, for names and file keys. */
export function macHex(mac: Mac): string {
  return mac.replace(/:/g, '');
}
