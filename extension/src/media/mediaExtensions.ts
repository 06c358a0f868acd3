/**
 * Which files the extension offers to inspect, by extension (matching package.json's menus).
 * A GIF is offered as an image; an animated one opens as a video (mediaTarget.ts). Pure.
 */
export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'gif', 'bmp'] as const;
export const VIDEO_EXTENSIONS = ['mp4', 'webm', 'mov', 'mkv'] as const;

export type InspectableKind = 'image' | 'video';

export function inspectableKind(fileName: string): InspectableKind | undefined {
  const dot = fileName.lastIndexOf('.');
  if (dot < 0) return undefined;
  const ext = fileName.slice(dot + 1).toLowerCase();
  if ((IMAGE_EXTENSIONS as readonly string[]).includes(ext)) return 'image';
  if ((VIDEO_EXTENSIONS as readonly string[]).includes(ext)) return 'video';
  return undefined;
}

/** The glob for findFiles: every inspectable extension. */
export function inspectableGlob(kinds: readonly InspectableKind[] = ['image', 'video']): string {
  const exts = [...(kinds.includes('image') ? IMAGE_EXTENSIONS : []), ...(kinds.includes('video') ? VIDEO_EXTENSIONS : [])];
  return `**/*.{${exts.join(',')}}`;
}
