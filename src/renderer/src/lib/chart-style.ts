/**
 * How the UI draws the shared charts (src/shared/charts, the PDF's builders): on a light card, as in the
 * report, with the UI's font at a size legible on screen.
 */
import type { ChartTextStyle } from '@shared/charts';

export const UI_CHART_TEXT: ChartTextStyle = {
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif',
  fontSize: 12,
  color: '#1e293b',
};
