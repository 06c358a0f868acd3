import type { ProbeDomain } from '../../../protocol/requests';
import { isWholePicture } from './grid';

/**
 * The plain note the panel shows when an ID bank is read outside the domain it was derived on:
 * every bank is derived on the scene engine's synthetic scenes, so a photo (any picture not of
 * the bank's canvas size) is read out of that domain. Null when there is nothing to say.
 */
export function domainNote(domain: ProbeDomain | undefined | null): string | null {
  const picture = domain?.picture;
  if (!domain || !picture || picture.kind !== 'photo') return null;
  const { width, height } = domain.bank.canvas;
  const canvas = width === height ? `${width}-px` : `${width}x${height}-px`;
  const parts = [
    `IDs derived on ${canvas} synthetic scenes, read on a ${picture.width}x${picture.height} photo: the bank's IDs have not been checked on real pictures, so read the heatmap and the deviations as indications, not measurements.`,
  ];
  const r = picture.region;
  if (!isWholePicture(r)) {
    const w = Math.round(r.width * picture.width);
    const h = Math.round(r.height * picture.height);
    parts.push(`The model sees only the centre ${w}x${h} of it; the grid covers that part.`);
  }
  return parts.join(' ');
}
