/**
 * Wound segmentation service: the public face (STYLE.md habit 6). Inference runs in a
 * `segment-inference` worker that creates its onnxruntime session once and reuses it
 * (segmenter.ts); active-model.ts says which model this workstation uses and installs others.
 *
 *   const seg = await createSegmenter({ manifestPath });
 *   const { mask, provider, ms } = await seg.segmentImage(rgba, width, height);
 *   seg.dispose();
 */
export { ModelError, isModelError, MODEL_ERROR_CODES, type ModelErrorCode } from './errors';
export { loadModel, parseManifest, modelManifestSchema, sha256Hex, type LoadedModel, type ModelManifest } from './manifest';
export { PROVIDER_NAMES, defaultProviderOrder, parseProviderList, type ProviderName, type ProviderAttempt } from './providers';
export { decodeImage, encodeMaskPng, type DecodedImage } from './image-io';
export type { ModelInfo } from './worker-protocol';
export { activeModelManifest, adoptLegacyActiveModel, bundledModelManifest, describeActiveModel, installAndActivateModel, useBundledModel, type ActiveModelInfo } from './active-model';
export { createSegmenter, installModel, type Segmenter, type SegmenterOptions, type SegmentOptions, type SegmentResult, type InstalledModel } from './segmenter';
