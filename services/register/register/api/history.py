"""Register API: history."""

from fastapi import APIRouter

router = APIRouter(tags=["history"])
