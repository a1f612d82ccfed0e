/**
 * Views. Hash history: the page is a file:// URL in Electron and a single static page in web mode,
 * so the route lives in the fragment and never reaches a server.
 */
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import LibraryView from './views/LibraryView.vue';
import NotYetView from './views/NotYetView.vue';
import ViewerView from './views/ViewerView.vue';

export const NAV: { name: string; label: string; key: string }[] = [
  { name: 'library', label: 'Library', key: '1' },
  { name: 'viewer', label: 'Viewer', key: '2' },
  { name: 'train', label: 'Train', key: '3' },
  { name: 'audit', label: 'Audit', key: '4' },
  { name: 'batch', label: 'Batch', key: '5' },
];

const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/library' },
  { path: '/library', name: 'library', component: LibraryView },
  { path: '/viewer', name: 'viewer', component: ViewerView },
  {
    path: '/train',
    name: 'train',
    component: NotYetView,
    props: {
      title: 'Train',
      feature: 'train',
      what: 'Training FBPConvNet models (methods ord, l2, parseval, pgd, jacobian, min-max) with live loss and validation curves, cancel and resume, is being connected to the desktop app.',
      cli: 'npx ct-audit train --help',
    },
  },
  {
    path: '/audit',
    name: 'audit',
    component: NotYetView,
    props: {
      title: 'Audit',
      feature: 'audit',
      what: 'Attacks (rho-hat over an eps grid), randomized-smoothing certification and the PDF report need the audit runner, which this build does not include yet.',
      cli: 'npx ct-audit --help',
    },
  },
  {
    path: '/batch',
    name: 'batch',
    component: NotYetView,
    props: {
      title: 'Batch',
      feature: 'batch',
      what: 'Queued audits over folders of series (progress per series, errors per file, resume after a restart) arrive with the batch runner. For an FBP baseline over one series, use Viewer > Whole series.',
    },
  },
  { path: '/:rest(.*)*', redirect: '/library' },
];

export const router = createRouter({ history: createWebHashHistory(), routes });
