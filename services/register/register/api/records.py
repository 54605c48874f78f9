"""Register API: records."""

from fastapi import APIRouter

router = APIRouter(tags=["records"])
