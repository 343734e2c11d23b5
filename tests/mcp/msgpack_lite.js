// Just enough msgpack to call cairnd directly over its socket: the MCP tests
// write what no CLI command writes, and mcp_bench times direct calls. Encodes
// maps, arrays, strings, integers, null and booleans; decodes any reply.
export function pack(v) {
  if (v === null || v === undefined) return Buffer.from([0xc0]);
  if (v === true || v === false) return Buffer.from([v ? 0xc3 : 0xc2]);
  if (Number.isInteger(v) && v >= 0 && v < 0x80000000) {
    const b = Buffer.alloc(5); b[0] = 0xce; b.writeUInt32BE(v, 1); return b;
  }
  if (typeof v === 'string') {
    const s = Buffer.from(v, 'utf8');
    const h = Buffer.alloc(5); h[0] = 0xdb; h.writeUInt32BE(s.length, 1);
    return Buffer.concat([h, s]);
  }
  if (Array.isArray(v)) {
    const h = Buffer.alloc(5); h[0] = 0xdd; h.writeUInt32BE(v.length, 1);
    return Buffer.concat([h, ...v.map(pack)]);
  }
  const keys = Object.keys(v);
  const h = Buffer.alloc(5); h[0] = 0xdf; h.writeUInt32BE(keys.length, 1);
  return Buffer.concat([h, ...keys.flatMap((k) => [pack(k), pack(v[k])])]);
}

// Decodes one value at `off`; returns [value, next offset], or null when the
// buffer ends first.
export function unpack(b, off = 0) {
  if (off >= b.length) return null;
  const t = b[off];
  const need = (n) => off + n <= b.length;
  const str = (len, start) => (need(start + len - off) ? [b.toString('utf8', start, start + len), start + len] : null);
  const seq = (count, start, isMap) => {
    const out = isMap ? {} : [];
    let p = start;
    for (let i = 0; i < count; i++) {
      const k = unpack(b, p); if (!k) return null; p = k[1];
      if (isMap) { const v = unpack(b, p); if (!v) return null; p = v[1]; out[k[0]] = v[0]; } else out.push(k[0]);
    }
    return [out, p];
  };
  if (t <= 0x7f) return [t, off + 1];
  if (t >= 0xe0) return [t - 0x100, off + 1];
  if ((t & 0xe0) === 0xa0) return str(t & 0x1f, off + 1);
  if ((t & 0xf0) === 0x90) return seq(t & 0x0f, off + 1, false);
  if ((t & 0xf0) === 0x80) return seq(t & 0x0f, off + 1, true);
  switch (t) {
    case 0xc0: return [null, off + 1];
    case 0xc2: return [false, off + 1];
    case 0xc3: return [true, off + 1];
    case 0xcc: return need(2) ? [b[off + 1], off + 2] : null;
    case 0xcd: return need(3) ? [b.readUInt16BE(off + 1), off + 3] : null;
    case 0xce: return need(5) ? [b.readUInt32BE(off + 1), off + 5] : null;
    case 0xcf: return need(9) ? [Number(b.readBigUInt64BE(off + 1)), off + 9] : null;
    case 0xd0: return need(2) ? [b.readInt8(off + 1), off + 2] : null;
    case 0xd1: return need(3) ? [b.readInt16BE(off + 1), off + 3] : null;
    case 0xd2: return need(5) ? [b.readInt32BE(off + 1), off + 5] : null;
    case 0xd3: return need(9) ? [Number(b.readBigInt64BE(off + 1)), off + 9] : null;
    case 0xca: return need(5) ? [b.readFloatBE(off + 1), off + 5] : null;
    case 0xcb: return need(9) ? [b.readDoubleBE(off + 1), off + 9] : null;
    case 0xd9: return need(2) ? str(b[off + 1], off + 2) : null;
    case 0xda: return need(3) ? str(b.readUInt16BE(off + 1), off + 3) : null;
    case 0xdb: return need(5) ? str(b.readUInt32BE(off + 1), off + 5) : null;
    case 0xc4: return need(2) && need(2 + b[off + 1]) ? [b.subarray(off + 2, off + 2 + b[off + 1]), off + 2 + b[off + 1]] : null;
    case 0xc5: { if (!need(3)) return null; const n = b.readUInt16BE(off + 1); return need(3 + n) ? [b.subarray(off + 3, off + 3 + n), off + 3 + n] : null; }
    case 0xc6: { if (!need(5)) return null; const n = b.readUInt32BE(off + 1); return need(5 + n) ? [b.subarray(off + 5, off + 5 + n), off + 5 + n] : null; }
    case 0xdc: return need(3) ? seq(b.readUInt16BE(off + 1), off + 3, false) : null;
    case 0xdd: return need(5) ? seq(b.readUInt32BE(off + 1), off + 5, false) : null;
    case 0xde: return need(3) ? seq(b.readUInt16BE(off + 1), off + 3, true) : null;
    case 0xdf: return need(5) ? seq(b.readUInt32BE(off + 1), off + 5, true) : null;
    default: throw new Error(`msgpack type 0x${t.toString(16)} not handled`);
  }
}
