/**
 * Decoders for the E57 bitPackCodec (ASTM E2807 §9.6): every field of a CompressedVector's
 * prototype has its own bytestream, spread over the data packets of the binary section. Each
 * bytestream is one continuous little-endian, least-significant-bit-first bit stream:
 *
 * - Integer / ScaledInteger: `raw − minimum` in `bitsNeeded(minimum, maximum)` bits (the bit length
 *   of maximum − minimum; 0 bits when minimum = maximum, in which case no bytes are stored).
 *   ScaledInteger value = raw × scale + offset.
 * - Float: IEEE 754 little-endian, 4 bytes (single) or 8 bytes (double) per record.
 * - String: a length prefix (1 byte when its lowest bit is 0: length = byte >> 1; otherwise 8 bytes
 *   little-endian: length = value >> 1) followed by that many bytes of UTF-8.
 *
 * A decoder is fed each packet's slice of its bytestream in order and queues decoded values (as
 * doubles) until the record assembler takes them. It never decodes more than `recordCount` values.
 */
import type { E57Terminal } from './e57-xml';

export interface FieldDecoder {
  /** Records decoded so far, including those already taken. */
  readonly decoded: number;
  /** Decoded records waiting to be taken. */
  readonly pending: number;
  /** Every record of the field has been decoded. */
  readonly done: boolean;
  /** The fewest bits one record can take in the bytestream (0 for constant fields). */
  readonly minBitsPerRecord: number;
  feed(chunk: Uint8Array): void;
  /** Moves the next `n` pending values (n ≤ pending) into `out[0, n)`. */
  take(out: Float64Array, n: number): void;
}

/** Bit length of `maximum − minimum` (= ceil(log2(maximum − minimum + 1))). */
export function bitsNeeded(minimum: bigint, maximum: bigint): number {
  let span = maximum - minimum;
  let bits = 0;
  while (span > 0n) {
    bits++;
    span >>= 1n;
  }
  return bits;
}

export function createFieldDecoder(field: E57Terminal, recordCount: number): FieldDecoder {
  switch (field.type) {
    case 'Integer':
    case 'ScaledInteger': {
      const scale = field.type === 'ScaledInteger' ? field.scale : 1;
      const offset = field.type === 'ScaledInteger' ? field.offset : 0;
      const bits = bitsNeeded(field.minimum, field.maximum);
      if (bits === 0) return new ConstantDecoder(recordCount, Number(field.minimum) * scale + offset);
      return new IntegerDecoder(recordCount, bits, field.minimum, scale, offset);
    }
    case 'Float':
      return new FloatDecoder(recordCount, field.precision === 'single' ? 4 : 8);
    case 'String':
      return new StringDecoder(recordCount);
  }
}

/** A FIFO of decoded doubles with amortised growth. */
abstract class QueuedDecoder implements FieldDecoder {
  protected buf = new Float64Array(256);
  protected head = 0;
  protected tail = 0;
  decoded = 0;
  abstract readonly minBitsPerRecord: number;

  constructor(protected readonly recordCount: number) {}

  get pending(): number {
    return this.tail - this.head;
  }

  get done(): boolean {
    return this.decoded >= this.recordCount;
  }

  abstract feed(chunk: Uint8Array): void;

  take(out: Float64Array, n: number): void {
    out.set(this.buf.subarray(this.head, this.head + n));
    this.head += n;
    if (this.head === this.tail) this.head = this.tail = 0;
  }

  /** Makes room for `n` more values at `tail`. */
  protected reserve(n: number): void {
    if (this.tail + n <= this.buf.length) return;
    const pending = this.tail - this.head;
    if (pending + n <= this.buf.length && this.head > 0) {
      this.buf.copyWithin(0, this.head, this.tail);
    } else {
      const grown = new Float64Array(Math.max(this.buf.length * 2, pending + n));
      grown.set(this.buf.subarray(this.head, this.tail));
      this.buf = grown;
    }
    this.head = 0;
    this.tail = pending;
  }
}

class ConstantDecoder implements FieldDecoder {
  readonly minBitsPerRecord = 0;
  private taken = 0;
  constructor(
    private readonly recordCount: number,
    private readonly value: number,
  ) {}
  get decoded(): number {
    return this.recordCount;
  }
  get pending(): number {
    return this.recordCount - this.taken;
  }
  get done(): boolean {
    return true;
  }
  feed(): void {
    // Constant fields store no bytes; anything a writer put in their bytestream is ignored, as libE57Format does.
  }
  take(out: Float64Array, n: number): void {
    out.fill(this.value, 0, n);
    this.taken += n;
  }
}

class IntegerDecoder extends QueuedDecoder {
  readonly minBitsPerRecord: number;
  private readonly mode: 'small' | 'medium' | 'big';
  private readonly minimum: number;
  // Bits not yet turned into records: `accBits` of them, least significant first.
  private acc = 0;
  private accBits = 0;
  private accBig = 0n;

  constructor(
    recordCount: number,
    private readonly bits: number,
    private readonly minimumBig: bigint,
    private readonly scale: number,
    private readonly offset: number,
  ) {
    super(recordCount);
    this.minBitsPerRecord = bits;
    this.minimum = Number(minimumBig);
    // ≤ 24 bits: the accumulator stays within 31 bits, so 32-bit integer ops are exact.
    // ≤ 45 bits: the accumulator stays within 53 bits, so double arithmetic is exact.
    this.mode = bits <= 24 ? 'small' : bits <= 45 ? 'medium' : 'big';
  }

  feed(chunk: Uint8Array): void {
    const remaining = this.recordCount - this.decoded;
    if (remaining <= 0 || chunk.length === 0) return;
    const maxNew = Math.min(remaining, Math.floor((chunk.length * 8 + this.accBits) / this.bits));
    this.reserve(maxNew);
    // Every byte is taken into the accumulator unless the field's last record is complete.
    const stopAtEnd = maxNew === remaining;
    let produced: number;
    if (this.mode === 'small') produced = this.feedSmall(chunk, maxNew, stopAtEnd);
    else if (this.mode === 'medium') produced = this.feedMedium(chunk, maxNew, stopAtEnd);
    else produced = this.feedBig(chunk, maxNew, stopAtEnd);
    this.decoded += produced;
  }

  private feedSmall(chunk: Uint8Array, maxNew: number, stopAtEnd: boolean): number {
    const { bits, minimum, scale, offset, buf } = this;
    const mask = (1 << bits) - 1;
    let acc = this.acc;
    let accBits = this.accBits;
    let t = this.tail;
    const end = t + maxNew;
    for (let i = 0; i < chunk.length && !(stopAtEnd && t === end); i++) {
      acc |= chunk[i]! << accBits;
      accBits += 8;
      while (accBits >= bits && t < end) {
        buf[t++] = (minimum + (acc & mask)) * scale + offset;
        acc >>>= bits;
        accBits -= bits;
      }
    }
    this.acc = acc;
    this.accBits = accBits;
    const produced = t - this.tail;
    this.tail = t;
    return produced;
  }

  private feedMedium(chunk: Uint8Array, maxNew: number, stopAtEnd: boolean): number {
    const { bits, minimum, scale, offset, buf } = this;
    const radix = 2 ** bits;
    let acc = this.acc;
    let accBits = this.accBits;
    let t = this.tail;
    const end = t + maxNew;
    for (let i = 0; i < chunk.length && !(stopAtEnd && t === end); i++) {
      acc += chunk[i]! * 2 ** accBits;
      accBits += 8;
      while (accBits >= bits && t < end) {
        const raw = acc % radix;
        buf[t++] = (minimum + raw) * scale + offset;
        acc = (acc - raw) / radix;
        accBits -= bits;
      }
    }
    this.acc = acc;
    this.accBits = accBits;
    const produced = t - this.tail;
    this.tail = t;
    return produced;
  }

  private feedBig(chunk: Uint8Array, maxNew: number, stopAtEnd: boolean): number {
    const { bits, minimumBig, scale, offset, buf } = this;
    const bigBits = BigInt(bits);
    const mask = (1n << bigBits) - 1n;
    let acc = this.accBig;
    let accBits = this.accBits;
    let t = this.tail;
    const end = t + maxNew;
    for (let i = 0; i < chunk.length && !(stopAtEnd && t === end); i++) {
      acc |= BigInt(chunk[i]!) << BigInt(accBits);
      accBits += 8;
      while (accBits >= bits && t < end) {
        buf[t++] = Number(minimumBig + (acc & mask)) * scale + offset;
        acc >>= bigBits;
        accBits -= bits;
      }
    }
    this.accBig = acc;
    this.accBits = accBits;
    const produced = t - this.tail;
    this.tail = t;
    return produced;
  }
}

class FloatDecoder extends QueuedDecoder {
  readonly minBitsPerRecord: number;
  private readonly carry = new Uint8Array(8);
  private readonly carryView = new DataView(this.carry.buffer);
  private carryLen = 0;

  constructor(
    recordCount: number,
    private readonly size: 4 | 8,
  ) {
    super(recordCount);
    this.minBitsPerRecord = size * 8;
  }

  feed(chunk: Uint8Array): void {
    let remaining = this.recordCount - this.decoded;
    if (remaining <= 0 || chunk.length === 0) return;
    const size = this.size;
    this.reserve(Math.min(remaining, Math.floor((chunk.length + this.carryLen) / size)));
    let pos = 0;
    if (this.carryLen > 0) {
      const n = Math.min(size - this.carryLen, chunk.length);
      this.carry.set(chunk.subarray(0, n), this.carryLen);
      this.carryLen += n;
      pos = n;
      if (this.carryLen < size) return;
      this.buf[this.tail++] = size === 4 ? this.carryView.getFloat32(0, true) : this.carryView.getFloat64(0, true);
      this.carryLen = 0;
      this.decoded++;
      remaining--;
    }
    const whole = Math.min(remaining, Math.floor((chunk.length - pos) / size));
    const view = new DataView(chunk.buffer, chunk.byteOffset + pos, whole * size);
    const buf = this.buf;
    let t = this.tail;
    if (size === 4) for (let o = 0; o < whole * 4; o += 4) buf[t++] = view.getFloat32(o, true);
    else for (let o = 0; o < whole * 8; o += 8) buf[t++] = view.getFloat64(o, true);
    this.tail = t;
    this.decoded += whole;
    remaining -= whole;
    pos += whole * size;
    if (remaining > 0 && pos < chunk.length) {
      this.carry.set(chunk.subarray(pos), 0);
      this.carryLen = chunk.length - pos;
    }
  }
}

/**
 * Strings carry no geometry; the decoder walks their length prefixes so that the record count of
 * the field is right, and queues NaN for each record.
 */
class StringDecoder extends QueuedDecoder {
  readonly minBitsPerRecord = 8;
  private prefix = new Uint8Array(8);
  private prefixLen = 0;
  private prefixNeeded = 0;
  /** Bytes of the current string still to skip, or −1 while reading a prefix. */
  private toSkip = -1;

  feed(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length && this.decoded < this.recordCount) {
      if (this.toSkip < 0) {
        const b = chunk[i++]!;
        if (this.prefixLen === 0) this.prefixNeeded = b & 1 ? 8 : 1;
        this.prefix[this.prefixLen++] = b;
        if (this.prefixLen < this.prefixNeeded) continue;
        let length = 0;
        if (this.prefixNeeded === 1) length = b >> 1;
        else {
          // 63-bit length; as a double it only needs to be big enough to outlast the data.
          for (let k = 7; k >= 0; k--) length = length * 256 + this.prefix[k]!;
          length = Math.floor(length / 2);
        }
        this.prefixLen = 0;
        this.toSkip = length;
      }
      const n = Math.min(this.toSkip, chunk.length - i);
      i += n;
      this.toSkip -= n;
      if (this.toSkip === 0) {
        this.reserve(1);
        this.buf[this.tail++] = NaN;
        this.decoded++;
        this.toSkip = -1;
      }
    }
  }
}
