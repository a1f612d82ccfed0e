/**
 * Views. Hash history: the page is a file:// URL in Electron and a single static page in web mode,
 * so the route lives in the fragment and never reaches a server.
 */
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import LibraryView from './views/LibraryView.vue';
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
  // Loaded on first visit: they bring the chart library.
  { path: '/train', name: 'train', component: () => import('./views/TrainView.vue') },
  { path: '/audit', name: 'audit', component: () => import('./views/AuditView.vue') },
  { path: '/batch', name: 'batch', component: () => import('./views/BatchView.vue') },
  { path: '/:rest(.*)*', redirect: '/library' },
];

export const router = createRouter({ history: createWebHashHistory(), routes });
