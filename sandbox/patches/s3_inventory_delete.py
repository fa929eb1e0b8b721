"""DeleteBucketInventoryConfiguration: removes the one configuration, never the bucket."""
from __future__ import annotations

from typing import Any

from sandbox.patches.base import patch


def install() -> None:
    """Why: moto 5.2.5 routes ``DELETE /?inventory&id=<id>`` to DeleteBucket (its bucket DELETE handler knows
    no ``inventory`` subresource), so ``deploy.py --destroy`` removing the S3 Inventory configuration would
    delete an empty bucket, or fail with BucketNotEmpty. S3 deletes just that configuration and answers
    204 (DeleteBucketInventoryConfiguration,
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketInventoryConfiguration.html). A
    missing configuration gets the error moto's GetBucketInventoryConfiguration gives (NoSuchInventoryConfig,
    404); the error S3 returns for it is not documented on that page."""
    from moto.s3.exceptions import MissingInventoryConfig
    from moto.s3.responses import S3Response

    original = S3Response._bucket_response_delete

    def _bucket_response_delete(self: Any, bucket_name: str, querystring: dict[str, Any]) -> Any:
        if "inventory" not in querystring:
            return original(self, bucket_name, querystring)
        self._set_action("BUCKET", "DELETE", querystring)
        self._authenticate_and_authorize_s3_action(bucket_name=bucket_name)
        bucket = self.backend.get_bucket(bucket_name)
        config_id = (querystring.get("id") or [""])[0]
        if config_id not in bucket.inventory_configs:
            raise MissingInventoryConfig()
        del bucket.inventory_configs[config_id]
        self.data["Action"] = "DeleteBucketInventoryConfiguration"
        return 204, {}, b""

    patch(S3Response, "_bucket_response_delete", _bucket_response_delete)
