// The atlas stores and compares features' numbers (densities, activations, decoders) as float32 (`real`, `vector`).

/** float32's largest finite value. */
export const FLOAT32_MAX = 3.4028234663852886e38;
/** float32's smallest normal magnitude; below it PostgreSQL's `real` underflows or goes subnormal. */
export const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;

/** True for 0 and for magnitudes from FLOAT32_MIN_NORMAL to FLOAT32_MAX: what a `real` holds without overflow,
 *  underflow or lost precision. */
export function inFloat32Range(x: number): boolean {
  const magnitude = Math.abs(x);
  return magnitude === 0 || (magnitude >= FLOAT32_MIN_NORMAL && magnitude <= FLOAT32_MAX);
}
