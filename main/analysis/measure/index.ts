/**
 * Wound measurement service: lid, area, perimeter, length/width, depth, volume and tissue mix
 * from a point cloud (mm) and a closed outline drawn on it. See `measure.service.ts`.
 */
export { measureWound, OFF_SURFACE_LIMIT_MM } from './measure.service';
export { MeasureError, type MeasureErrorCode } from './errors';
export type { MeasureOptions, WoundMeasurement, TissueMix, LidDescription, MeasureDiagnostics } from './types';
export type { Vec3 } from './frame';
export { srgbToLab, classifyLab, classifyRgb, TISSUE_CLASSES, type TissueClass } from './tissue';
/** Geometry helpers reused by other analysis services (the wound finder): bucket grids, polygons, PCA frames. */
export { Grid2, Grid3 } from './spatial-grid';
export { Polygon2, segmentsIntersect } from './polygon';
export { pca, frameFrom, cross, dot, normalize, type Frame, type Pca } from './frame';
