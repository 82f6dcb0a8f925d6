/** Annotations on scans: markers, rulers, undermining/tunnelling, regions (issue 18). */
export { createAnnotationsService, type AnnotationsService, type AnnotationsDeps } from './annotations.service';
export { AnnotationError, type AnnotationErrorCode } from './errors';
export { surfaceDistance, polygonArea, type SurfacePoints } from './geometry';
