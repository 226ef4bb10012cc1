// Product thumbnails rendered on demand as 24-bit BMP images (no image library needed).
// The cost is proportional to size², which is what makes DEMO-API4-04 an expensive operation.

/** The documented maximum (openapi.yaml). The implementation accepts up to THUMBNAIL_HARD_LIMIT. */
export const THUMBNAIL_DOCUMENTED_MAX = 512;
/**
 * DEMO-API4-04: the only bound in the code, 16× the documented one: an 8192-pixel square is a
 * 192 MiB buffer and a few hundred milliseconds of CPU per request.
 */
export const THUMBNAIL_HARD_LIMIT = 8192;

const HEADER_BYTES = 54;

/** Bytes of a `size`×`size` thumbnail, header included (rows are padded to 4 bytes). */
export function thumbnailBytes(size: number): number {
  const row = Math.ceil((size * 3) / 4) * 4;
  return HEADER_BYTES + row * size;
}

/** A deterministic gradient tinted by the product id, so each product has its own picture. */
export function renderThumbnail(productId: number, size: number): Buffer {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`thumbnail size must be a positive integer, got ${size}`);
  const row = Math.ceil((size * 3) / 4) * 4;
  const total = HEADER_BYTES + row * size;
  const buf = Buffer.alloc(total);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(total, 2);
  buf.writeUInt32LE(HEADER_BYTES, 10);
  buf.writeUInt32LE(40, 14); // BITMAPINFOHEADER
  buf.writeInt32LE(size, 18);
  buf.writeInt32LE(size, 22);
  buf.writeUInt16LE(1, 26); // planes
  buf.writeUInt16LE(24, 28); // bits per pixel
  buf.writeUInt32LE(row * size, 34);
  buf.writeInt32LE(2835, 38); // 72 dpi
  buf.writeInt32LE(2835, 42);
  const tint = (productId * 47) % 256;
  for (let y = 0; y < size; y++) {
    let o = HEADER_BYTES + y * row;
    const g = Math.floor((y * 255) / size);
    for (let x = 0; x < size; x++) {
      buf[o++] = tint; // blue
      buf[o++] = g; // green
      buf[o++] = Math.floor((x * 255) / size); // red
    }
  }
  return buf;
}
