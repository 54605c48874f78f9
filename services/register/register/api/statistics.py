"""Register API: statistics."""

from fastapi import APIRouter

router = APIRouter(tags=["statistics"])
