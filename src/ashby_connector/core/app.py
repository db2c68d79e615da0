"""``Core``: the application, built once per process from settings and handed to the delivery
layers (the server's routes, the workers, the command line). Everything it holds is built here, in
its constructor, and passed explicitly to what needs it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ashby_connector.core.assessments.partner import AssessmentPartner
from ashby_connector.core.assessments.reports import AssessmentReports, Caller
from ashby_connector.core.assessments.tenant import TenantAssessments
from ashby_connector.core.connections.ashby_webhooks import AshbyWebhooks
from ashby_connector.core.connections.branding import Brandings
from ashby_connector.core.connections.child_policies import ChildPolicies
from ashby_connector.core.connections.clients import ClientFactory, ConnectionClients, SingleKeyClients
from ashby_connector.core.connections.connect_links import ConnectLinks
from ashby_connector.core.connections.lifecycle import Connections
from ashby_connector.core.connections.mappings import Mappings
from ashby_connector.core.connections.proxy import Proxy
from ashby_connector.core.connections.requested_operations import of_connection
from ashby_connector.core.directory.role_gaps import RoleGapReport
from ashby_connector.core.freshness.health import ConnectionHealth
from ashby_connector.core.insights import Insights
from ashby_connector.core.resources.lazy_children import LazyChildren
from ashby_connector.core.resources.records import Resources
from ashby_connector.core.resources.render_cache import RenderCache
from ashby_connector.core.runtime.master_key import existing_master_key, open_secret_box
from ashby_connector.core.runtime.readiness import Readiness
from ashby_connector.core.settings import Settings
from ashby_connector.core.syncs.deliveries import EventDeliveries
from ashby_connector.core.syncs.events import ChangeEvents, connection_mapper
from ashby_connector.core.syncs.runs import SyncRuns
from ashby_connector.core.syncs.subscriptions import TenantSubscriptions
from ashby_connector.store import Store
from ashby_connector.store.assessments import AssessmentRepository
from ashby_connector.store.secrets import SecretBox
from ashby_connector.store.tenancy import Tenancy
from ashby_connector.store.tenant_branding import BrandingTable
from ashby_connector.webhooks.service import WebhookOptions, WebhookService


class Core:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        box: SecretBox,
        *,
        http: httpx.Client | None = None,
        webhook_options: WebhookOptions | None = None,
        client_for: ClientFactory | None = None,
        policies_for: Callable[[str], Mapping[str, str] | None] | None = None,
        concurrency: int | None = None,
        owns_store: bool = True,
    ) -> None:
        """``client_for`` (``single_key``): one key's clients for every connection id instead of
        the stored connections' keys; ``policies_for`` and ``concurrency``: what every run uses
        (a command's ``--children`` and ``--concurrency``); ``owns_store``: ``close`` closes it."""
        self.settings = settings
        self.owns_store = owns_store
        self.store = store
        self.box = box
        # One pool for every Ashby call; never follows redirects and ignores proxy variables, so the
        # configured base URL is the only place a request can go.
        self.http = http or httpx.Client(
            follow_redirects=False,
            trust_env=False,
            timeout=settings.ashby_timeout,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )
        if webhook_options is None:
            # Subscriptions, registration and deliveries check every URL against the outbound policy.
            webhook_options = WebhookOptions(
                outbound=settings.outbound_policy(),
                inbox_days=settings.inbox_retention_days,
                outbox_days=settings.outbox_retention_days,
            )
        self.tenancy = Tenancy(store)
        self.clients = (
            ConnectionClients(settings, self.tenancy, box, self.http)
            if client_for is None
            else SingleKeyClients(settings, self.tenancy, box, self.http, client_for)
        )
        self.webhooks = WebhookService.for_store(
            store,
            box,
            client_for=self.clients.get,
            client_for_key=self.clients.for_key,
            tenant_of=self.tenancy.tenant_of,
            reads_model=lambda connection_id, model: of_connection(self.tenancy, connection_id).reads_model(
                model
            ),
            mapper=connection_mapper(self.tenancy, store),
            options=webhook_options,
            on_follow_up=self._follow_up,
        )
        self.ashby_webhooks = AshbyWebhooks(self.clients, self.webhooks.registry)
        self.events = ChangeEvents(self.webhooks.outbox)
        self.deliveries = EventDeliveries(store, self.webhooks.subscriptions)
        self.subscriptions = TenantSubscriptions(self.webhooks.subscriptions)
        # Per-connection child policies: every sync of the connection (SyncService reads them from
        # the store) and every lazy read of a child list follow them.
        self.child_policies = ChildPolicies(self.tenancy)
        self.lazy_children = LazyChildren(store, self.clients.require, self.child_policies.overrides)
        # Unified reads and writes (core.resources.records): given what they use, not this object.
        self.render_cache = RenderCache(int(settings.read_cache_mb * 1024 * 1024))
        self.resources = Resources(
            store, self.tenancy, self.lazy_children, self.clients, self.events, self.render_cache
        )
        # Questions about the copy (people's and agents' faces): the store, and lazy lists on read.
        self.insights = Insights(store, self.lazy_children)
        self.syncs = SyncRuns(
            settings,
            store,
            self.tenancy,
            self.clients,
            self.events,
            policies_for=policies_for,
            concurrency=concurrency,
        )
        self.freshness = self.syncs.freshness
        # Each connection's health in plain words, for the REST list and the console.
        self.health = ConnectionHealth(store, self.freshness.schedules)
        self.readiness = Readiness(store, self.freshness)
        self._shared_budget = False
        self.connections = Connections(
            self.tenancy, box, self.clients, self.webhooks, self.syncs, self.render_cache
        )
        # The Connect page: each tenant's branding, and the one-time links customers connect with.
        self.brandings = Brandings(BrandingTable(store.engine, store.transaction))
        self.connect_links = ConnectLinks(self.tenancy, self.connections, self.brandings)
        self.proxy = Proxy(settings, box, self.http)  # POST /proxy/{operation}
        self.mappings = Mappings(self.tenancy)  # field mappings and custom models
        self.role_gaps = RoleGapReport(store)  # users whose Ashby role differs from the desired one
        self.assessments = AssessmentRepository(store)
        self.partner = AssessmentPartner(self.assessments, publish=self.webhooks.publish)
        self.reports = AssessmentReports(
            self.assessments,
            self._report_caller,
            publish=self.webhooks.publish,
            retry_delays=settings.assessment_retry_delays,
        )
        self.tenant_assessments = TenantAssessments(self.assessments, self.tenancy, self.reports)

    @property
    def single_writer(self) -> bool:
        """The store is SQLite: one writer that answers in microseconds, so delivery writes on its
        event loop (a PostgreSQL commit waits on the network and the disk: many run in threads)."""
        return self.store.dialect == "sqlite"

    def __repr__(self) -> str:
        # The settings' repr hides the master key and the database password; nothing else here
        # (the store, the secret box, the HTTP pool) says anything useful in a log.
        return f"Core({self.settings!r})"

    def _follow_up(self, connection_id: str, streams: tuple[str, ...]) -> None:
        """Webhooks whose payload cannot update the copy start a run of the lists concerned."""
        self.syncs.webhook_runs.request(connection_id, streams)

    def _report_caller(self, connection_id: str) -> Caller:
        # No client-side retries: a report that fails is queued and retried in the background.
        call = self.clients.require(connection_id).with_options(max_retries=0).call
        allowed = of_connection(self.tenancy, connection_id)

        def checked(operation: str, body: dict[str, Any] | None = None) -> Any:
            allowed.require_ashby(operation)  # reports write to Ashby: a requested operation too
            return call(operation, body)

        return checked

    @classmethod
    def open(cls, settings: Settings, *, webhook_options: WebhookOptions | None = None) -> Core:
        """Open the secret box and the store (migrating it) named by ``settings``. The store refuses
        writes of connections that do not exist (any more): see ``Connections.delete``."""
        store = Store.open(settings.db_url, guard_connections=True)
        try:
            box = open_secret_box(settings, store)
        except BaseException:
            store.close()
            raise
        return cls(settings, store, box, webhook_options=webhook_options)

    @classmethod
    def single_key(
        cls,
        store: Store,
        client_for: ClientFactory,
        *,
        settings: Settings | None = None,
        children: Mapping[str, str] | None = None,
        concurrency: int | None = None,
    ) -> Core:
        """The core of a command that syncs one Ashby key into ``store`` (``ashby-connector sync``,
        ``sync --every``, ``demo``): the same runs as the server's (lease, history, events,
        metrics, log line), each connection id synced with ``client_for``'s clients. The store
        stays the caller's. Its secret box is the deployment's master key when there is one (the
        store is a server's too), else a key for this process only: such a run decrypts nothing."""
        from cryptography.fernet import Fernet

        settings = settings or Settings(db_url=store.url)
        box = SecretBox(existing_master_key(settings) or Fernet.generate_key())
        return cls(
            settings,
            store,
            box,
            client_for=client_for,
            policies_for=(lambda _connection_id: children) if children else None,
            concurrency=concurrency,
            owns_store=False,
        )

    def start(self, *, background: bool = True) -> int:
        """What a server or worker does when it starts: mark runs a killed process left running as
        interrupted (returns how many) and, with ``background``, start the webhook loops."""
        interrupted = self.syncs.recover_interrupted()
        if background:
            self.webhooks.ensure_started()
            self.reports.ensure_started()  # reports queued before a restart are retried
        return interrupted

    def stop(self) -> None:
        """Stop the background loops (webhooks, assessment reports); ``start`` may follow."""
        self.reports.stop()
        self.webhooks.stop()

    def start_freshness(self) -> None:
        """What a running server does besides answering: share rate budgets across the deployment
        (PostgreSQL), report the store's gauges in the metrics, and schedule syncs."""
        from ashby_connector.core.runtime import metrics
        from ashby_connector.store import shared_budget

        self._shared_budget = shared_budget.install(self.store.engine)
        metrics.watch_store(self.store)
        self.freshness.start()

    def stop_freshness(self) -> None:
        from ashby_connector.store import shared_budget

        self.freshness.stop()
        if self._shared_budget:
            shared_budget.uninstall()
            self._shared_budget = False

    def close(self) -> None:
        self.syncs.close()
        self.reports.stop()
        self.webhooks.close()
        self.http.close()
        if self.owns_store:
            self.store.close()
