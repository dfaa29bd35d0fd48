# Prometheus alert rules for Contest Bot, as data (rendered to a rules file as JSON,
# which Prometheus reads as YAML).
{ domain }:
{
  groups = [
    {
      name = "contest-bot";
      rules = [
        {
          # Always firing: Alertmanager sends it once a day (watchdogInterval), so a day
          # without it means alerts cannot reach anyone.
          alert = "Watchdog";
          expr = "vector(1)";
          labels.severity = "none";
          annotations.summary = "Alerting is alive (this message repeats once a day by default; if it stops, alerts are not delivered)";
        }
        {
          alert = "ContestBotRoleDown";
          expr = ''node_systemd_unit_state{name=~"contest-bot-(api|bot|scheduler|worker-.+)\\.service", state="active"} == 0'';
          for = "2m";
          labels.severity = "critical";
          annotations.summary = "{{ $labels.name }} is not running";
        }
        {
          alert = "ContestBotApiUnreachable";
          expr = ''up{job="contest-bot"} == 0'';
          for = "2m";
          labels.severity = "critical";
          annotations.summary = "The API's /metrics cannot be scraped through nginx";
        }
        {
          alert = "SystemdUnitFailed";
          expr = ''node_systemd_unit_state{state="failed"} == 1'';
          for = "5m";
          labels.severity = "warning";
          annotations.summary = "systemd unit {{ $labels.name }} has failed";
        }
        {
          alert = "DiskAlmostFull";
          expr = ''node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs|overlay"} / node_filesystem_size_bytes{fstype!~"tmpfs|ramfs|overlay"} < 0.10'';
          for = "10m";
          labels.severity = "warning";
          annotations.summary = "Less than 10% free on {{ $labels.mountpoint }}";
        }
        {
          alert = "TlsCertificateExpiresSoon";
          expr = ''probe_ssl_earliest_cert_expiry{job="contest-bot-tls"} - time() < 14 * 86400'';
          for = "1h";
          labels.severity = "warning";
          annotations.summary = "The certificate of ${domain} expires in less than 14 days";
        }
        {
          alert = "ContestBotTaskFailures";
          expr = ''sum(increase(contest_bot_tasks_total{outcome="failed"}[15m])) > 5'';
          labels.severity = "warning";
          annotations.summary = "Background tasks are failing (more than 5 failed in 15 minutes)";
        }
        {
          alert = "ContestBotRedisDown";
          expr = "redis_up == 0";
          for = "2m";
          labels.severity = "critical";
          annotations.summary = "Redis (task broker) is down";
        }
        {
          alert = "ContestBotPostgresDown";
          expr = "pg_up == 0";
          for = "2m";
          labels.severity = "critical";
          annotations.summary = "PostgreSQL is down";
        }
      ];
    }
  ];
}
