import { ApplicationList } from '../components/ApplicationList';

/** Partner apps (third_party): the applications merchants install. */
export default function PartnerAppsPage() {
  return <ApplicationList kind="partner" />;
}
