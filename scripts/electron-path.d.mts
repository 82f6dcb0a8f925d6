/** The Electron binary's path, or null where it is not installed (electron-path.mjs). */
export function electronBinary(): string | null;
