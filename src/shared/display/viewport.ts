/**
 * Synchronized viewing geometry. Every pane shows its image inside a square field of view (FOV): an
 * image of rows x cols sits centred in an S x S square, S = max(rows, cols), exactly as the engine pads
 * a slice before resampling it to N x N (engine/dicom/resample.ts). So the native slice and the N x N
 * reference/FBP/difference images line up, and one viewport (zoom and centre in FOV fractions) drives
 * every pane, whatever its pixel grid.
 *
 * A `stretch` pane (the sinogram: views x detector bins, not an image of the patient) instead maps its
 * whole array onto the pane, with different scales along x and y.
 */

export interface Viewport {
  /** 1: the FOV fits the pane. */
  zoom: number;
  /** FOV point shown at the pane centre, fractions in [0, 1] (x right, y down). */
  cx: number;
  cy: number;
}

export const DEFAULT_VIEWPORT: Viewport = { zoom: 1, cx: 0.5, cy: 0.5 };

export interface ImageGrid {
  width: number;
  height: number;
}

/** A pane's canvas size and whether it stretches its image to fill it. */
export interface PaneBox {
  w: number;
  h: number;
  stretch?: boolean;
}

/** The FOV in image pixels (per axis) and the image's offset inside it. */
export function fovOf(
  g: ImageGrid,
  stretch = false,
): { sideX: number; sideY: number; offX: number; offY: number } {
  if (stretch) return { sideX: g.width, sideY: g.height, offX: 0, offY: 0 };
  const side = Math.max(g.width, g.height);
  return {
    sideX: side,
    sideY: side,
    offX: Math.floor((side - g.width) / 2),
    offY: Math.floor((side - g.height) / 2),
  };
}

/** Canvas pixels per FOV unit along x and y. */
export function fovScale(v: Viewport, box: PaneBox): [number, number] {
  if (box.stretch) return [box.w * v.zoom, box.h * v.zoom];
  const s = Math.min(box.w, box.h) * v.zoom;
  return [s, s];
}

/** FOV fraction -> canvas pixel. */
export function fovToCanvas(v: Viewport, box: PaneBox, fx: number, fy: number): [number, number] {
  const [sx, sy] = fovScale(v, box);
  return [box.w / 2 + (fx - v.cx) * sx, box.h / 2 + (fy - v.cy) * sy];
}

/** Canvas pixel -> FOV fraction. */
export function canvasToFov(v: Viewport, box: PaneBox, x: number, y: number): [number, number] {
  const [sx, sy] = fovScale(v, box);
  return [v.cx + (x - box.w / 2) / sx, v.cy + (y - box.h / 2) / sy];
}

/** FOV fraction -> image pixel (row, col), fractional. */
export function fovToPixel(
  g: ImageGrid,
  fx: number,
  fy: number,
  stretch = false,
): { row: number; col: number } {
  const { sideX, sideY, offX, offY } = fovOf(g, stretch);
  return { row: fy * sideY - offY, col: fx * sideX - offX };
}

/** Zooms by `factor` keeping the FOV point under canvas pixel (x, y) fixed. */
export function zoomAt(v: Viewport, box: PaneBox, x: number, y: number, factor: number): Viewport {
  const zoom = Math.max(0.25, Math.min(32, v.zoom * factor));
  const [fx, fy] = canvasToFov(v, box, x, y);
  const [sx, sy] = fovScale({ ...v, zoom }, box);
  return { zoom, cx: fx - (x - box.w / 2) / sx, cy: fy - (y - box.h / 2) / sy };
}

/** Pans by a canvas-pixel drag. */
export function panBy(v: Viewport, box: PaneBox, dx: number, dy: number): Viewport {
  const [sx, sy] = fovScale(v, box);
  return { ...v, cx: v.cx - dx / sx, cy: v.cy - dy / sy };
}

/** A rectangle in FOV fractions -> the pixel rectangle of an image (for ROI statistics). */
export function fovRectToPixels(
  g: ImageGrid,
  r: { x0: number; y0: number; x1: number; y1: number },
): { col0: number; row0: number; col1: number; row1: number } {
  const a = fovToPixel(g, Math.min(r.x0, r.x1), Math.min(r.y0, r.y1));
  const b = fovToPixel(g, Math.max(r.x0, r.x1), Math.max(r.y0, r.y1));
  return { col0: a.col, row0: a.row, col1: b.col, row1: b.row };
}
