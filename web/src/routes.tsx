import { createBrowserRouter, Navigate, type RouteObject } from 'react-router';
import { RequireSignIn } from './auth/RequireSignIn';
import CallbackPage from './auth/CallbackPage';
import { Shell, type NavItem } from './components/Shell';
import ApplicationsPage from './pages/ApplicationsPage';
import ApplicationPage from './pages/ApplicationPage';
import PartnerAppsPage from './pages/PartnerAppsPage';
import PartnerAppPage from './pages/PartnerAppPage';
import DeliveryLogPage from './pages/DeliveryLogPage';
import InstallationsPage from './pages/InstallationsPage';
import DecoupledRequestsPage from './pages/DecoupledRequestsPage';
import DashboardPage from './pages/DashboardPage';
import ScopesPage from './pages/ScopesPage';
import SigningKeysPage from './pages/SigningKeysPage';
import UsersPage from './pages/UsersPage';
import AuditLogPage from './pages/AuditLogPage';
import NotFoundPage from './pages/NotFoundPage';

/**
 * The console's pages: one entry per page, each in its own file under pages/. `nav` puts a page in
 * the navigation (platformAdmin: only platform administrators see it). Paths are below /console.
 */
export const PAGES: (RouteObject & { path: string; nav?: NavItem })[] = [
  { path: '/applications', element: <ApplicationsPage />, nav: { label: 'Applications', path: '/applications' } },
  { path: '/applications/:id', element: <ApplicationPage /> },
  { path: '/partner-apps', element: <PartnerAppsPage />, nav: { label: 'Partner apps', path: '/partner-apps' } },
  { path: '/partner-apps/:id', element: <PartnerAppPage /> },
  { path: '/partner-apps/:id/webhooks/:webhookId', element: <DeliveryLogPage /> },
  { path: '/installations', element: <InstallationsPage />, nav: { label: 'Installations', path: '/installations' } },
  { path: '/decoupled-requests', element: <DecoupledRequestsPage />, nav: { label: 'Decoupled requests', path: '/decoupled-requests' } },
  { path: '/dashboard', element: <DashboardPage />, nav: { label: 'Dashboard', path: '/dashboard', platformAdmin: true } },
  { path: '/scopes', element: <ScopesPage />, nav: { label: 'Scopes', path: '/scopes', platformAdmin: true } },
  { path: '/signing-keys', element: <SigningKeysPage />, nav: { label: 'Signing keys', path: '/signing-keys', platformAdmin: true } },
  { path: '/users', element: <UsersPage />, nav: { label: 'Users', path: '/users', platformAdmin: true } },
  { path: '/audit-log', element: <AuditLogPage />, nav: { label: 'Audit log', path: '/audit-log', platformAdmin: true } },
];

const NAV: NavItem[] = PAGES.flatMap((p) => (p.nav ? [p.nav] : []));

export const router = createBrowserRouter(
  [
    { path: '/callback', element: <CallbackPage /> },
    {
      path: '/',
      element: (
        <RequireSignIn>
          <Shell nav={NAV} />
        </RequireSignIn>
      ),
      children: [
        { index: true, element: <Navigate to="/applications" replace /> },
        ...PAGES.map(({ nav: _nav, ...route }) => route),
        { path: '*', element: <NotFoundPage /> },
      ],
    },
  ],
  { basename: '/console' },
);
