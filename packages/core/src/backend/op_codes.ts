// Operation codes of the elementwise and reduction kernels, shared by both addons: they must match
// the enums of native/src/kernels.h and cuda/src/kernels.h, which number them alike.
export const BINARY_OPS = {
  Add: 0,
  Sub: 1,
  Multiply: 2,
  RealDiv: 3,
  Maximum: 4,
  Minimum: 5,
  SquaredDifference: 6,
  Pow: 7,
} as const;

/** Unary ops both addons implement. */
export const UNARY_OPS = {
  Exp: 0,
  Neg: 1,
  Sqrt: 2,
  Rsqrt: 3,
  Square: 4,
  Sigmoid: 5,
  Log: 6,
  Relu: 7,
  Tanh: 8,
  Abs: 9,
  Reciprocal: 10,
} as const;

/** The cuda addon's unary ops: the shared ones plus those the native backend leaves to tfjs' cpu kernels. */
export const DEVICE_UNARY_OPS = { ...UNARY_OPS, Cos: 11, Sin: 12, Floor: 13 } as const;

export const REDUCE_OPS = { Sum: 0, Max: 1, Min: 2, Mean: 3 } as const;
