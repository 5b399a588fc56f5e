/** Every CALIBRATION_STRIDE-th training digit calibrates the quantizer (1,000 digits). */
export const CALIBRATION_STRIDE = 8;
