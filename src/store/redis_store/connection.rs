//! Connecting the Redis store, running one command, and mapping Redis errors to
//! [`StoreError`] (what is unavailable, what is corrupt).

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncConnectionConfig, Cmd, FromRedisValue, RedisError, Value};

use super::RedisStore;
use super::scripts::Scripts;
use crate::store::{RedisUrl, StoreError, StoreResult};

impl RedisStore {
    /// Connects and checks that Redis answers `PING`. A Redis that is down, refuses the
    /// credentials or does not answer within `connect_timeout` gives
    /// [`StoreError::Unavailable`] naming the URL with its password redacted.
    pub async fn connect(
        url: &RedisUrl,
        connect_timeout: Duration,
        response_timeout: Duration,
    ) -> StoreResult<Self> {
        let unavailable = |reason: String| StoreError::Unavailable {
            target: url.redacted(),
            reason,
        };
        let client =
            redis::Client::open(url.expose()).map_err(|error| unavailable(error.to_string()))?;
        // One attempt first: the manager would retry with backoff before reporting a Redis
        // that is simply down.
        let probe_config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(connect_timeout))
            .set_response_timeout(Some(connect_timeout));
        let probe = async {
            let mut probe = client
                .get_multiplexed_async_connection_with_config(&probe_config)
                .await?;
            redis::cmd("PING").query_async::<Value>(&mut probe).await
        };
        match tokio::time::timeout(connect_timeout, probe).await {
            Err(_) => return Err(unavailable(format!("no answer within {connect_timeout:?}"))),
            Ok(Err(error)) => return Err(unavailable(error.to_string())),
            Ok(Ok(_pong)) => {}
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(connect_timeout))
            .set_response_timeout(Some(response_timeout))
            .set_number_of_retries(3)
            .set_max_delay(Duration::from_secs(1));
        let connection = tokio::time::timeout(
            connect_timeout,
            ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| unavailable(format!("no answer within {connect_timeout:?}")))?
        .map_err(|error| unavailable(error.to_string()))?;
        Ok(Self {
            connection,
            url: url.clone(),
            scripts: Scripts::new(),
        })
    }

    /// Maps a Redis error: connectivity and server-busy conditions are
    /// [`StoreError::Unavailable`], keys of the wrong type are [`StoreError::Corrupt`].
    pub(super) fn error(&self, error: &RedisError) -> StoreError {
        let unavailable_code = matches!(
            error.code(),
            Some(
                "LOADING"
                    | "MASTERDOWN"
                    | "BUSY"
                    | "TRYAGAIN"
                    | "READONLY"
                    | "NOAUTH"
                    | "MISCONF"
                    | "CLUSTERDOWN"
            )
        );
        if error.is_io_error()
            || error.is_timeout()
            || error.is_connection_refusal()
            || error.is_connection_dropped()
            || matches!(error.kind(), redis::ErrorKind::AuthenticationFailed)
            || unavailable_code
        {
            StoreError::Unavailable {
                target: self.url.redacted(),
                reason: error.to_string(),
            }
        } else if matches!(error.code(), Some("WRONGTYPE" | "STFFORMAT")) {
            StoreError::Corrupt {
                location: self.url.redacted(),
                reason: error.to_string(),
            }
        } else {
            StoreError::Backend(error.to_string())
        }
    }

    pub(super) fn bad_reply(&self, what: &str, reason: &str) -> StoreError {
        StoreError::Corrupt {
            location: self.url.redacted(),
            reason: format!("unexpected reply to {what}: {reason}"),
        }
    }

    pub(super) async fn query<T: FromRedisValue>(&self, command: &Cmd) -> StoreResult<T> {
        let mut connection = self.connection.clone();
        command
            .query_async(&mut connection)
            .await
            .map_err(|error| self.error(&error))
    }
}
