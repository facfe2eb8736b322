import { ApplicationDetail } from '../components/ApplicationDetail';

/** One partner app: redirect URIs, refresh policy, secrets, webhook subscriptions. */
export default function PartnerAppPage() {
  return <ApplicationDetail kind="partner" />;
}
