# Alertmanager's configuration for Contest Bot, as data (rendered to JSON, which
# Alertmanager reads as YAML). One receiver, the ops chat in Telegram. Alerts are grouped
# by name and repeated every `repeatInterval` while they fire; the always-firing Watchdog
# is sent once per `watchdogInterval`: when that message stops arriving, alerting itself
# is broken. nixpkgs passes the file through envsubst, so nothing here may contain `$`.
{
  chatId,
  botTokenFile,
  apiUrl,
  groupWait,
  groupInterval,
  repeatInterval,
  watchdogInterval,
}:
{
  route = {
    receiver = "telegram";
    group_by = [ "alertname" ];
    group_wait = groupWait;
    group_interval = groupInterval;
    repeat_interval = repeatInterval;
    routes = [
      {
        matchers = [ ''alertname="Watchdog"'' ];
        receiver = "telegram";
        group_wait = "0s";
        group_interval = watchdogInterval;
        repeat_interval = watchdogInterval;
      }
    ];
  };

  receivers = [
    {
      name = "telegram";
      telegram_configs = [
        {
          chat_id = chatId;
          bot_token_file = botTokenFile;
          api_url = apiUrl;
          parse_mode = "HTML";
          send_resolved = true;
        }
      ];
    }
  ];
}
