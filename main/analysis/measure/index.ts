/**
 * Wound measurement service: lid, area, perimeter, length/width, depth, volume and tissue mix
 * from a point cloud (mm) and a closed outline drawn on it. See `measure.service.ts`.
 */
export { measureWound, OFF_SURFACE_LIMIT_MM } from './measure.service';
export { MeasureError, type MeasureErrorCode } from './errors';
export type { MeasureOptions, WoundMeasurement, TissueMix, LidDescription, MeasureDiagnostics } from './types';
export type { Vec3 } from './frame';
export { srgbToLab, classifyLab, classifyRgb, TISSUE_CLASSES, type TissueClass } from './tissue';
